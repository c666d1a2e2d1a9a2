// The page cache of one file: the writes and size changes made since the file was last
// synced, held in memory over the backing file, which holds only what was made durable.
package main

import (
	"math"
	"sort"
	"syscall"

	"golang.org/x/sys/unix"
)

const pageSize = 4096

// fileCache holds what a file lost nothing of yet but would lose in a power cut. The
// backing file keeps the durable contents; reads see the cache over them.
type fileCache struct {
	// fd is a read-write descriptor of the backing file, owned by the cache: held while
	// anything is pending, so a flush works after the file was closed or unlinked.
	fd int
	// size is the file's size as readers see it.
	size int64
	// cutAt is the smallest size the file was truncated to since the last sync: backing
	// bytes at or beyond it are gone. math.MaxInt64 when it was not truncated.
	cutAt int64
	// pages maps a page index to the page's whole contents as readers see them.
	pages map[int64][]byte
}

// newFileCache takes ownership of fd (a read-write descriptor of the backing file).
func newFileCache(fd int) (*fileCache, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, err
	}
	return &fileCache{fd: fd, size: st.Size, cutAt: math.MaxInt64, pages: map[int64][]byte{}}, nil
}

// backingPage reads page index i as it stands in the backing file, with bytes past a
// pending truncation zeroed.
func (c *fileCache) backingPage(i int64) ([]byte, error) {
	page := make([]byte, pageSize)
	start := i * pageSize
	if start >= c.cutAt {
		return page, nil
	}
	n, err := unix.Pread(c.fd, page, start)
	if err != nil {
		return nil, err
	}
	valid := int64(n)
	if c.cutAt-start < valid {
		valid = c.cutAt - start
	}
	clear(page[valid:])
	return page, nil
}

// page returns page index i as readers see it (not copied: callers must not keep it).
func (c *fileCache) page(i int64) ([]byte, error) {
	if p, ok := c.pages[i]; ok {
		return p, nil
	}
	return c.backingPage(i)
}

func (c *fileCache) read(dest []byte, off int64) (int, error) {
	if off >= c.size {
		return 0, nil
	}
	end := off + int64(len(dest))
	if end > c.size {
		end = c.size
	}
	done := 0
	for pos := off; pos < end; {
		i := pos / pageSize
		p, err := c.page(i)
		if err != nil {
			return done, err
		}
		n := copy(dest[done:end-off], p[pos-i*pageSize:])
		done += n
		pos += int64(n)
	}
	return done, nil
}

func (c *fileCache) write(data []byte, off int64) error {
	for done := 0; done < len(data); {
		pos := off + int64(done)
		i := pos / pageSize
		p, ok := c.pages[i]
		if !ok {
			var err error
			if p, err = c.backingPage(i); err != nil {
				return err
			}
			c.pages[i] = p
		}
		done += copy(p[pos-i*pageSize:], data[done:])
	}
	if end := off + int64(len(data)); end > c.size {
		c.size = end
	}
	return nil
}

// truncate sets the size; bytes past it read as zeros if the file grows again.
func (c *fileCache) truncate(size int64) {
	if size < c.size {
		for i, p := range c.pages {
			start := i * pageSize
			switch {
			case start >= size:
				delete(c.pages, i)
			case start+pageSize > size:
				clear(p[size-start:])
			}
		}
		if size < c.cutAt {
			c.cutAt = size
		}
	}
	c.size = size
}

// pendingBytes counts the bytes a power cut would lose: the cached pages within the size.
func (c *fileCache) pendingBytes() int64 {
	var total int64
	for i := range c.pages {
		start := i * pageSize
		if n := c.size - start; n > 0 {
			total += min(n, pageSize)
		}
	}
	return total
}

// flush writes everything pending to the backing file and fsyncs it.
func (c *fileCache) flush() error {
	var st syscall.Stat_t
	if err := syscall.Fstat(c.fd, &st); err != nil {
		return err
	}
	// Truncate first, so the bytes between the cut and the new size read as zeros.
	if c.cutAt < st.Size {
		if err := unix.Ftruncate(c.fd, c.cutAt); err != nil {
			return err
		}
	}
	indexes := make([]int64, 0, len(c.pages))
	for i := range c.pages {
		indexes = append(indexes, i)
	}
	sort.Slice(indexes, func(a, b int) bool { return indexes[a] < indexes[b] })
	for _, i := range indexes {
		start := i * pageSize
		n := min(c.size-start, pageSize)
		if n <= 0 {
			continue
		}
		if _, err := unix.Pwrite(c.fd, c.pages[i][:n], start); err != nil {
			return err
		}
	}
	if err := unix.Ftruncate(c.fd, c.size); err != nil {
		return err
	}
	if err := unix.Fsync(c.fd); err != nil {
		return err
	}
	c.pages = map[int64][]byte{}
	c.cutAt = math.MaxInt64
	return nil
}

func (c *fileCache) close() {
	_ = unix.Close(c.fd)
}
