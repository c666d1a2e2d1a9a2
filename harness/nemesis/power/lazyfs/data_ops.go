// Data operations: reads see the page cache over the backing file; writes, truncates and
// fallocate extensions go to the cache; fsync (and fdatasync, and msync, which the kernel
// turns into an fsync, and every write through an O_SYNC/O_DSYNC handle) flushes the
// file's cache to the backing file, fsyncs it and commits the namespace journal. Mode,
// owner and time changes pass through at once (not modelled).
package main

import (
	"context"
	"strconv"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

var (
	_ fs.NodeOpener    = (*node)(nil)
	_ fs.NodeReader    = (*node)(nil)
	_ fs.NodeWriter    = (*node)(nil)
	_ fs.NodeFsyncer   = (*node)(nil)
	_ fs.NodeFlusher   = (*node)(nil)
	_ fs.NodeReleaser  = (*node)(nil)
	_ fs.NodeGetattrer = (*node)(nil)
	_ fs.NodeSetattrer = (*node)(nil)
	_ fs.NodeAllocater = (*node)(nil)
)

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	path := n.lfs.journal.abs(n.rel())
	// Read-write whatever was asked, so this handle can fill and flush the cache; the
	// requested access is the fallback (a file the backing filesystem will not write).
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		fd, err = unix.Open(path, int(flags&unix.O_ACCMODE)|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	if flags&unix.O_TRUNC != 0 {
		if errno := n.truncateLocked(fd, 0); errno != 0 {
			_ = unix.Close(fd)
			return nil, 0, errno
		}
	}
	return &handle{fd: fd, sync: flags&unix.O_DSYNC != 0}, 0, 0
}

func (n *node) Read(ctx context.Context, f fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	var count int
	var err error
	if n.cache != nil {
		count, err = n.cache.read(dest, off)
	} else {
		count, err = unix.Pread(handleFd(f), dest, off)
	}
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	return fuse.ReadResultData(dest[:count]), 0
}

func (n *node) Write(ctx context.Context, f fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	if errno := n.ensureCache(handleFd(f)); errno != 0 {
		return 0, errno
	}
	if err := n.cache.write(data, off); err != nil {
		return 0, fs.ToErrno(err)
	}
	if h, ok := f.(*handle); ok && h.sync {
		if errno := n.syncLocked(); errno != 0 {
			return 0, errno
		}
	}
	return uint32(len(data)), 0
}

// Fsync serves fsync and fdatasync of files and directories alike.
func (n *node) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	return n.syncLocked()
}

// Flush (each close) makes nothing durable, as on a disk filesystem.
func (n *node) Flush(ctx context.Context, f fs.FileHandle) syscall.Errno { return 0 }

func (n *node) Release(ctx context.Context, f fs.FileHandle) syscall.Errno {
	if h, ok := f.(*handle); ok {
		_ = unix.Close(h.fd)
	}
	return 0
}

func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	st, errno := n.stat(f)
	if errno == 0 {
		n.fillAttr(&st, &out.Attr)
	}
	return errno
}

// stat reads the backing file's attributes through the handle when there is one (the
// file may be unlinked), else through its path.
func (n *node) stat(f fs.FileHandle) (syscall.Stat_t, syscall.Errno) {
	var st syscall.Stat_t
	var err error
	switch fd := handleFd(f); {
	case fd >= 0:
		err = syscall.Fstat(fd, &st)
	case n.cache != nil:
		err = syscall.Fstat(n.cache.fd, &st)
	default:
		err = syscall.Lstat(n.lfs.journal.abs(n.rel()), &st)
	}
	return st, fs.ToErrno(err)
}

func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	if errno := n.setMeta(f, in); errno != 0 {
		return errno
	}
	if size, ok := in.GetSize(); ok {
		if errno := n.truncateLocked(handleFd(f), int64(size)); errno != 0 {
			return errno
		}
	}
	st, errno := n.stat(f)
	if errno == 0 {
		n.fillAttr(&st, &out.Attr)
	}
	return errno
}

// setMeta applies mode, owner and time changes to the backing file at once.
func (n *node) setMeta(f fs.FileHandle, in *fuse.SetAttrIn) syscall.Errno {
	fd := handleFd(f)
	path := n.lfs.journal.abs(n.rel())
	if fd >= 0 {
		path = "/proc/self/fd/" + strconv.Itoa(fd)
	}
	if mode, ok := in.GetMode(); ok {
		if err := unix.Chmod(path, mode); err != nil {
			return fs.ToErrno(err)
		}
	}
	uid, uok := in.GetUID()
	gid, gok := in.GetGID()
	if uok || gok {
		u, g := -1, -1
		if uok {
			u = int(uid)
		}
		if gok {
			g = int(gid)
		}
		// Through the /proc link chown follows it to the file; by path it must not follow.
		chown := unix.Lchown
		if fd >= 0 {
			chown = unix.Chown
		}
		if err := chown(path, u, g); err != nil {
			return fs.ToErrno(err)
		}
	}
	mtime, mok := in.GetMTime()
	atime, aok := in.GetATime()
	if mok || aok {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
		if aok {
			ts[0] = unix.NsecToTimespec(atime.UnixNano())
		}
		if mok {
			ts[1] = unix.NsecToTimespec(mtime.UnixNano())
		}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, 0); err != nil {
			return fs.ToErrno(err)
		}
	}
	return 0
}

// truncateLocked sets the size in the cache; fd < 0 opens the backing file by path.
func (n *node) truncateLocked(fd int, size int64) syscall.Errno {
	if errno := n.ensureCache(fd); errno != 0 {
		return errno
	}
	n.cache.truncate(size)
	return 0
}

// Allocate models posix_fallocate's growth of the size; other modes are not supported.
func (n *node) Allocate(ctx context.Context, f fs.FileHandle, off uint64, size uint64, mode uint32) syscall.Errno {
	if mode != 0 {
		return syscall.EOPNOTSUPP
	}
	n.lfs.mu.Lock()
	defer n.lfs.mu.Unlock()
	if errno := n.ensureCache(handleFd(f)); errno != 0 {
		return errno
	}
	if end := int64(off + size); end > n.cache.size {
		n.cache.truncate(end)
	}
	return 0
}
