// Command etcd is the etcd v3.6 server (etcd's own entry point, so every etcd flag works),
// built from the Go module proxy so the harness can run a real etcd cluster without a
// prebuilt binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	// The harness sets this to its own pid: a member must not outlive it, even when the
	// harness is killed with SIGKILL and has no chance to stop its members.
	if parent := os.Getenv("QUORUMLAB_PARENT_PID"); parent != "" {
		dieWithParent(parent)
	}
	etcdmain.Main(os.Args)
}
