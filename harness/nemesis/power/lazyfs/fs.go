// The filesystem: every node passes through to the backing directory, except that file
// data and size changes wait in a per-file page cache until the file is synced, and
// namespace changes are journaled until any sync. One lock guards all of it: this is a
// fault injector for a test harness, not a fast filesystem.
package main

import (
	"context"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

type lazyFS struct {
	mu      sync.Mutex
	root    string // the backing directory, absolute
	journal *journal
	// dirty holds the nodes with a page cache, including unlinked ones still pending.
	dirty map[*node]struct{}
	// rootNode is the mount's root, set once mounted.
	rootNode *node
}

func newLazyFS(root string) (*lazyFS, error) {
	j, err := newJournal(root)
	if err != nil {
		return nil, err
	}
	l := &lazyFS{root: root, journal: j, dirty: map[*node]struct{}{}}
	l.rootNode = &node{lfs: l}
	return l, nil
}

// node is a file or directory of the mount.
type node struct {
	fs.Inode
	lfs *lazyFS
	// cache holds what is pending for a regular file; nil when nothing is. Guarded by lfs.mu.
	cache *fileCache
}

// handle is an open file: a read-write descriptor of the backing file when the file
// allows it, so any handle can fill and flush the page cache.
type handle struct {
	fd int
	// sync: opened with O_SYNC or O_DSYNC, so every write is durable before it returns.
	sync bool
}

func (n *node) isRoot() bool { return &n.Inode == n.Root() }

// rel is the node's path relative to the backing root (not meaningful once unlinked).
func (n *node) rel() string { return n.Path(nil) }

func (n *node) childRel(name string) string { return filepath.Join(n.rel(), name) }

// hidden says whether name in this directory is the graveyard, which the mount hides.
func (n *node) hidden(name string) bool { return name == graveyardName && n.isRoot() }

// child returns the node for the entry name with attributes st: the one already known
// when there is one, since it may hold a page cache (go-fuse would otherwise answer the
// lookup with the new node's attributes before swapping in the known one). Caller holds lfs.mu.
func (n *node) child(ctx context.Context, name string, st *syscall.Stat_t) *fs.Inode {
	if known := n.GetChild(name); known != nil && known.StableAttr().Ino == st.Ino {
		return known
	}
	for d := range n.lfs.dirty {
		if d.StableAttr().Ino == st.Ino {
			return &d.Inode
		}
	}
	stable := fs.StableAttr{Mode: st.Mode & syscall.S_IFMT, Ino: st.Ino}
	return n.NewInode(ctx, &node{lfs: n.lfs}, stable)
}

// fillAttr copies st into out, with the size readers see if a cache is pending.
func (n *node) fillAttr(st *syscall.Stat_t, out *fuse.Attr) {
	out.FromStat(st)
	if n.cache != nil {
		out.Size = uint64(n.cache.size)
		out.Blocks = (out.Size + 511) / 512
	}
}

func childAttr(child *fs.Inode, st *syscall.Stat_t, out *fuse.EntryOut) {
	if cn, ok := child.Operations().(*node); ok {
		cn.fillAttr(st, &out.Attr)
		return
	}
	out.Attr.FromStat(st)
}

// ensureCache starts the page cache with a duplicate of fd, or of a descriptor opened by
// path when fd < 0. Caller holds lfs.mu.
func (n *node) ensureCache(fd int) syscall.Errno {
	if n.cache != nil {
		return 0
	}
	var own int
	var err error
	if fd >= 0 {
		own, err = unix.Dup(fd)
	} else {
		own, err = unix.Open(n.lfs.journal.abs(n.rel()), unix.O_RDWR|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return fs.ToErrno(err)
	}
	c, err := newFileCache(own)
	if err != nil {
		_ = unix.Close(own)
		return fs.ToErrno(err)
	}
	n.cache = c
	n.lfs.dirty[n] = struct{}{}
	return 0
}

// syncLocked makes the node's data and every namespace change durable. Caller holds lfs.mu.
func (n *node) syncLocked() syscall.Errno {
	if n.cache != nil {
		if err := n.cache.flush(); err != nil {
			return fs.ToErrno(err)
		}
		n.cache.close()
		n.cache = nil
		delete(n.lfs.dirty, n)
	}
	n.lfs.journal.commit()
	return 0
}

// flushAll makes everything durable: the "flush" command, and a clean unmount.
func (l *lazyFS) flushAll() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := range l.dirty {
		if errno := n.syncLocked(); errno != 0 {
			return errno
		}
	}
	l.journal.commit()
	return nil
}

func handleFd(f fs.FileHandle) int {
	if h, ok := f.(*handle); ok {
		return h.fd
	}
	return -1
}
