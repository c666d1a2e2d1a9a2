// lazyfs: a FUSE filesystem that loses what was not made durable, for the power nemesis
// (in the spirit of Jepsen's LazyFS). It mounts over a backing directory, holds written
// data in memory until the file is fsynced, and on the "clear-cache" command drops
// everything not yet synced, as a power cut does.
//
//	lazyfs --backing DIR --mount DIR --control SOCKET [--watch-stdin]
//
// It prints {"ready":true} on stdout once mounted. SIGTERM, SIGINT, or (with
// --watch-stdin) the end of stdin unmount it cleanly: pending data is flushed first, as
// a clean unmount of a disk writes its dirty pages.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

type config struct {
	backing, mount, control string
	watchStdin, debug       bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.backing, "backing", "", "backing directory: the durable data (required)")
	flag.StringVar(&cfg.mount, "mount", "", "mount point: an existing directory outside the backing one (required)")
	flag.StringVar(&cfg.control, "control", "", "unix socket path for commands (required)")
	flag.BoolVar(&cfg.watchStdin, "watch-stdin", false, "unmount and exit when stdin ends (the parent died)")
	flag.BoolVar(&cfg.debug, "debug", false, "log every FUSE request to stderr")
	flag.Parse()
	if err := validate(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "lazyfs: %v\n", err)
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "lazyfs: %v\n", err)
		os.Exit(1)
	}
}

func validate(cfg *config) error {
	if cfg.backing == "" || cfg.mount == "" || cfg.control == "" {
		return errors.New("--backing, --mount and --control are required")
	}
	var err error
	if cfg.backing, err = existingDir("--backing", cfg.backing); err != nil {
		return err
	}
	if cfg.mount, err = existingDir("--mount", cfg.mount); err != nil {
		return err
	}
	if within(cfg.backing, cfg.mount) || within(cfg.mount, cfg.backing) {
		return fmt.Errorf("--backing %s and --mount %s must be separate directories, neither inside the other", cfg.backing, cfg.mount)
	}
	return nil
}

func existingDir(flagName, path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flagName, path, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s %s is not a directory", flagName, path)
	}
	return abs, nil
}

func within(parent, child string) bool {
	return child == parent || strings.HasPrefix(child, parent+string(filepath.Separator))
}

func run(cfg config) error {
	signals := endSignals()
	l, err := newLazyFS(cfg.backing)
	if err != nil {
		return fmt.Errorf("backing directory %s: %v", cfg.backing, err)
	}
	var rootSt syscall.Stat_t
	if err := syscall.Stat(cfg.backing, &rootSt); err != nil {
		return err
	}
	// Nothing cached in the kernel may outlive a power cut: every lookup and attribute
	// comes back to us, and no open keeps the kernel's pages (no FOPEN_KEEP_CACHE).
	zero := time.Duration(0)
	opts := &fs.Options{
		EntryTimeout:    &zero,
		AttrTimeout:     &zero,
		NegativeTimeout: &zero,
		RootStableAttr:  &fs.StableAttr{Ino: rootSt.Ino},
		MountOptions: fuse.MountOptions{
			// The pid in the source lets a cleanup tell a stale mount from a live one.
			FsName:        fmt.Sprintf("lazyfs@%d", os.Getpid()),
			Name:          "lazyfs",
			DirectMount:   true,
			DisableXAttrs: true,
			Debug:         cfg.debug,
		},
	}
	server, err := fs.Mount(cfg.mount, l.rootNode, opts)
	if err != nil {
		return fmt.Errorf("mount %s: %v", cfg.mount, err)
	}
	listener, err := net.Listen("unix", cfg.control)
	if err != nil {
		_ = server.Unmount()
		return fmt.Errorf("control socket %s: %v", cfg.control, err)
	}
	go l.serveControl(listener)
	ready, _ := json.Marshal(map[string]any{"ready": true, "pid": os.Getpid()})
	fmt.Println(string(ready))

	waitForEnd(cfg, server, signals)
	_ = listener.Close()
	return shutdown(l, server, cfg.mount)
}

// endSignals catches SIGTERM, SIGINT and SIGHUP from the start: one arriving before
// the handler was installed would kill the daemon and leave its mount stale.
func endSignals() chan os.Signal {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	// The owner's death closes our stdout and stderr pipes: a later log line must not kill us.
	signal.Ignore(syscall.SIGPIPE)
	return signals
}

// waitForEnd returns on a signal, at the end of stdin when watched, or when the
// filesystem was unmounted from outside.
func waitForEnd(cfg config, server *fuse.Server, signals chan os.Signal) {
	end := make(chan struct{}, 3)
	go func() { <-signals; end <- struct{}{} }()
	go func() { server.Wait(); end <- struct{}{} }()
	if cfg.watchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); end <- struct{}{} }()
	}
	<-end
}

// shutdown unmounts, detaching lazily if files are still open, then flushes what is
// pending: a clean unmount loses nothing.
func shutdown(l *lazyFS, server *fuse.Server, mount string) error {
	if err := server.Unmount(); err != nil {
		if derr := unix.Unmount(mount, unix.MNT_DETACH); derr != nil && derr != unix.EINVAL {
			return fmt.Errorf("unmount %s: %v (lazy unmount: %v)", mount, err, derr)
		}
	}
	if err := l.flushAll(); err != nil {
		return fmt.Errorf("flush on unmount: %v", err)
	}
	// Empty once everything is committed; the backing directory is left as it was.
	_ = os.Remove(l.journal.graveyard)
	return nil
}
