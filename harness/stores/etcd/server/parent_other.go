//go:build !linux

package main

// dieWithParent does nothing where the kernel has no parent-death signal: the harness
// stops its members itself.
func dieWithParent(string) {}
