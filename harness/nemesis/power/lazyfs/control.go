// The control channel: a unix socket taking one command per connection ("clear-cache",
// "flush", "stats") and answering with one JSON line.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hanwen/go-fuse/v2/fs"
)

type fileStats struct {
	// Path is relative to the mount; empty for a file unlinked while pending.
	Path         string `json:"path"`
	Unlinked     bool   `json:"unlinked"`
	Size         int64  `json:"size"`
	PendingPages int    `json:"pendingPages"`
	PendingBytes int64  `json:"pendingBytes"`
}

type cutResult struct {
	DroppedFiles  int      `json:"droppedFiles"`
	DroppedBytes  int64    `json:"droppedBytes"`
	UndoneChanges int      `json:"undoneChanges"`
	Failures      []string `json:"failures"`
}

func (l *lazyFS) stats() map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	files := []fileStats{}
	var total int64
	for n := range l.dirty {
		_, parent := n.Parent()
		s := fileStats{Unlinked: parent == nil, Size: n.cache.size, PendingPages: len(n.cache.pages), PendingBytes: n.cache.pendingBytes()}
		if !s.Unlinked {
			s.Path = n.rel()
		}
		total += s.PendingBytes
		files = append(files, s)
	}
	changes := append([]change{}, l.journal.changes...)
	return map[string]any{"files": files, "pendingBytes": total, "changes": changes}
}

// powerCut drops everything not yet durable, as a power loss does. The processes using
// the mount must be dead already: what they still do meanwhile is undefined.
func (l *lazyFS) powerCut() cutResult {
	// Dirty pages the kernel still holds (a shared writable map) are written back to us
	// when invalidated, so invalidate first and drop them with the rest.
	l.invalidateContent(l.fileNodes())
	l.mu.Lock()
	var result cutResult
	dropped := make([]*node, 0, len(l.dirty))
	for n := range l.dirty {
		result.DroppedFiles++
		result.DroppedBytes += n.cache.pendingBytes()
		n.cache.close()
		n.cache = nil
		dropped = append(dropped, n)
	}
	l.dirty = map[*node]struct{}{}
	result.UndoneChanges = len(l.journal.changes)
	touched, failures := l.journal.undo()
	result.Failures = append([]string{}, failures...)
	l.mu.Unlock()
	// The kernel's pages, attributes and names may still show what was dropped.
	l.invalidateContent(append(dropped, l.fileNodes()...))
	l.forgetNames(touched)
	return result
}

// fileNodes lists the regular files the mount's tree knows.
func (l *lazyFS) fileNodes() []*node {
	var files []*node
	var walk func(*fs.Inode)
	walk = func(in *fs.Inode) {
		for _, child := range in.Children() {
			if child.IsDir() {
				walk(child)
			} else if n, ok := child.Operations().(*node); ok {
				files = append(files, n)
			}
		}
	}
	walk(&l.rootNode.Inode)
	return files
}

func (l *lazyFS) invalidateContent(nodes []*node) {
	for _, n := range nodes {
		// Errors only say the kernel holds nothing for it.
		_ = n.NotifyContent(0, 0)
	}
}

// forgetNames drops the tree's and the kernel's entries for names an undo changed, so
// the next lookup sees the backing directory.
func (l *lazyFS) forgetNames(rels []string) {
	for _, rel := range rels {
		dir, base := filepath.Split(rel)
		parent := &l.rootNode.Inode
		for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
			if part != "" && parent != nil {
				parent = parent.GetChild(part)
			}
		}
		if parent == nil {
			continue
		}
		parent.RmChild(base)
		_ = parent.NotifyEntry(base)
	}
}

// serveControl answers commands on the listener until it is closed.
func (l *lazyFS) serveControl(listener net.Listener) {
	var serial sync.Mutex
	for {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil && line == "" {
				return
			}
			serial.Lock()
			reply := l.command(strings.TrimSpace(line))
			serial.Unlock()
			out, _ := json.Marshal(reply)
			_, _ = conn.Write(append(out, '\n'))
		}()
	}
}

func (l *lazyFS) command(cmd string) map[string]any {
	switch cmd {
	case "clear-cache":
		r := l.powerCut()
		reply := map[string]any{"ok": len(r.Failures) == 0, "droppedFiles": r.DroppedFiles, "droppedBytes": r.DroppedBytes,
			"undoneChanges": r.UndoneChanges, "failures": r.Failures}
		if len(r.Failures) > 0 {
			reply["error"] = "could not undo: " + strings.Join(r.Failures, "; ")
		}
		return reply
	case "flush":
		if err := l.flushAll(); err != nil {
			return map[string]any{"ok": false, "error": fmt.Sprintf("flush: %v", err)}
		}
		return map[string]any{"ok": true}
	case "stats":
		reply := l.stats()
		reply["ok"] = true
		return reply
	}
	return map[string]any{"ok": false, "error": fmt.Sprintf("unknown command %q (expected clear-cache, flush or stats)", cmd)}
}
