// Namespace operations: lookups and listings pass through; creates, mkdirs, unlinks,
// rmdirs and renames are applied to the backing directory at once and journaled, so a
// power cut can undo those no sync has committed. Unlinked and replaced entries wait in
// the graveyard meanwhile. Hard links, symlinks and device nodes are not supported.
package main

import (
	"context"
	"os"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

var (
	_ fs.NodeLookuper  = (*node)(nil)
	_ fs.NodeReaddirer = (*node)(nil)
	_ fs.NodeCreater   = (*node)(nil)
	_ fs.NodeMkdirer   = (*node)(nil)
	_ fs.NodeUnlinker  = (*node)(nil)
	_ fs.NodeRmdirer   = (*node)(nil)
	_ fs.NodeRenamer   = (*node)(nil)
	_ fs.NodeStatfser  = (*node)(nil)
)

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.hidden(name) {
		return nil, syscall.ENOENT
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	var st syscall.Stat_t
	if err := syscall.Lstat(n.lfs.journal.abs(n.childRel(name)), &st); err != nil {
		return nil, fs.ToErrno(err)
	}
	child := n.child(ctx, name, &st)
	childAttr(child, &st, out)
	return child, 0
}

func (n *node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	entries, err := os.ReadDir(n.lfs.journal.abs(n.rel()))
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	list := make([]fuse.DirEntry, 0, len(entries)+2)
	list = append(list, fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR}, fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR})
	for _, e := range entries {
		if n.hidden(e.Name()) {
			continue
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(n.lfs.journal.abs(n.childRel(e.Name())), &st); err != nil {
			continue
		}
		list = append(list, fuse.DirEntry{Name: e.Name(), Mode: st.Mode, Ino: st.Ino})
	}
	return fs.NewListDirStream(list), 0
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if n.hidden(name) {
		return nil, nil, 0, syscall.EPERM
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	rel := n.childRel(name)
	path := n.lfs.journal.abs(rel)
	created := true
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, mode)
	if err == unix.EEXIST && flags&unix.O_EXCL == 0 {
		created = false
		fd, err = unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, nil, 0, fs.ToErrno(err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		_ = unix.Close(fd)
		return nil, nil, 0, fs.ToErrno(err)
	}
	if created {
		n.lfs.journal.record(change{Kind: changeCreate, Path: rel})
	}
	child := n.child(ctx, name, &st)
	h := &handle{fd: fd, sync: flags&unix.O_DSYNC != 0}
	cn := child.Operations().(*node)
	if !created && flags&unix.O_TRUNC != 0 {
		if errno := cn.truncateLocked(fd, 0); errno != 0 {
			_ = unix.Close(fd)
			return nil, nil, 0, errno
		}
	}
	cn.fillAttr(&st, &out.Attr)
	return child, h, 0, 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.hidden(name) {
		return nil, syscall.EPERM
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	rel := n.childRel(name)
	path := n.lfs.journal.abs(rel)
	if err := unix.Mkdir(path, mode); err != nil {
		return nil, fs.ToErrno(err)
	}
	n.lfs.journal.record(change{Kind: changeMkdir, Path: rel})
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return nil, fs.ToErrno(err)
	}
	child := n.child(ctx, name, &st)
	childAttr(child, &st, out)
	return child, 0
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	return n.remove(name, false)
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return n.remove(name, true)
}

// remove moves the entry into the graveyard, where it stays until the removal is
// durable; an open file keeps its descriptors, and its pending data until a power cut.
func (n *node) remove(name string, dir bool) syscall.Errno {
	if n.hidden(name) {
		return syscall.ENOENT
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	rel := n.childRel(name)
	var st syscall.Stat_t
	if err := syscall.Lstat(n.lfs.journal.abs(rel), &st); err != nil {
		return fs.ToErrno(err)
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	switch {
	case dir && !isDir:
		return syscall.ENOTDIR
	case !dir && isDir:
		return syscall.EISDIR
	case dir:
		if errno := emptyDir(n.lfs.journal.abs(rel)); errno != 0 {
			return errno
		}
	}
	grave, err := n.lfs.journal.bury(rel)
	if err != nil {
		return fs.ToErrno(err)
	}
	n.lfs.journal.record(change{Kind: changeRemove, Path: rel, grave: grave})
	return 0
}

func emptyDir(path string) syscall.Errno {
	entries, err := os.ReadDir(path)
	if err != nil {
		return fs.ToErrno(err)
	}
	if len(entries) > 0 {
		return syscall.ENOTEMPTY
	}
	return 0
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	np, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	if n.hidden(name) || np.hidden(newName) {
		return syscall.EPERM
	}
	if flags&^unix.RENAME_NOREPLACE != 0 {
		// RENAME_EXCHANGE and RENAME_WHITEOUT are not modelled.
		return syscall.EINVAL
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	from, to := n.childRel(name), np.childRel(newName)
	j := n.lfs.journal
	var src, dst syscall.Stat_t
	if err := syscall.Lstat(j.abs(from), &src); err != nil {
		return fs.ToErrno(err)
	}
	grave := ""
	if err := syscall.Lstat(j.abs(to), &dst); err == nil {
		if errno := replaceable(&src, &dst, j.abs(to), flags); errno != 0 || src.Ino == dst.Ino {
			return errno
		}
		if grave, err = j.bury(to); err != nil {
			return fs.ToErrno(err)
		}
	}
	if err := os.Rename(j.abs(from), j.abs(to)); err != nil {
		if grave != "" {
			_ = os.Rename(grave, j.abs(to))
		}
		return fs.ToErrno(err)
	}
	j.record(change{Kind: changeRename, Path: to, From: from, grave: grave})
	return 0
}

// replaceable says whether a rename of src may replace dst, as rename(2) does.
func replaceable(src, dst *syscall.Stat_t, dstPath string, flags uint32) syscall.Errno {
	if flags&unix.RENAME_NOREPLACE != 0 {
		return syscall.EEXIST
	}
	srcDir := src.Mode&unix.S_IFMT == unix.S_IFDIR
	dstDir := dst.Mode&unix.S_IFMT == unix.S_IFDIR
	switch {
	case srcDir && !dstDir:
		return syscall.ENOTDIR
	case !srcDir && dstDir:
		return syscall.EISDIR
	case dstDir:
		return emptyDir(dstPath)
	}
	return 0
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	var s syscall.Statfs_t
	if err := syscall.Statfs(n.lfs.root, &s); err != nil {
		return fs.ToErrno(err)
	}
	out.FromStatfsT(&s)
	return 0
}
