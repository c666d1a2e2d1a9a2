// The namespace journal: creates, mkdirs, unlinks, rmdirs and renames applied to the
// backing directory at once but not yet made durable, with what undoes each of them.
// Like ext4's single journal, an fsync of any file or directory commits all of them; a
// power cut undoes the uncommitted ones, newest first.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
)

type changeKind string

const (
	changeCreate changeKind = "create"
	changeMkdir  changeKind = "mkdir"
	changeRemove changeKind = "remove"
	changeRename changeKind = "rename"
)

// change is one namespace change. Paths are relative to the backing root.
type change struct {
	Kind changeKind `json:"kind"`
	// Path is the name created, removed, or renamed to.
	Path string `json:"path"`
	// From is the old name of a rename.
	From string `json:"from,omitempty"`
	// grave holds what a remove took away, or what a rename replaced ("" if nothing):
	// an absolute path in the graveyard, deleted for good on commit.
	grave string
}

// journal is guarded by lazyFS.mu.
type journal struct {
	root      string
	graveyard string
	changes   []change
	nextGrave atomic.Uint64
}

// graveyardName is the hidden folder in the backing root where removed entries wait
// until their removal is durable. The mount does not show it.
const graveyardName = ".lazyfs-graveyard"

// newJournal empties a graveyard left by a daemon that died without committing: with
// its journal gone, what it removed counts as removed.
func newJournal(root string) (*journal, error) {
	graveyard := filepath.Join(root, graveyardName)
	if err := os.RemoveAll(graveyard); err != nil {
		return nil, err
	}
	if err := os.Mkdir(graveyard, 0o700); err != nil {
		return nil, err
	}
	return &journal{root: root, graveyard: graveyard}, nil
}

func (j *journal) abs(rel string) string { return filepath.Join(j.root, rel) }

// bury moves the entry at rel into the graveyard and returns where it went.
func (j *journal) bury(rel string) (string, error) {
	grave := filepath.Join(j.graveyard, strconv.FormatUint(j.nextGrave.Add(1), 10))
	return grave, os.Rename(j.abs(rel), grave)
}

func (j *journal) record(c change) { j.changes = append(j.changes, c) }

// commit makes every recorded change durable.
func (j *journal) commit() {
	for _, c := range j.changes {
		if c.grave != "" {
			_ = os.RemoveAll(c.grave)
		}
	}
	j.changes = nil
}

// undo reverts every recorded change, newest first, and returns the names it touched
// (relative to the root) and the changes it could not revert.
func (j *journal) undo() (touched []string, failures []string) {
	for k := len(j.changes) - 1; k >= 0; k-- {
		c := j.changes[k]
		if err := j.revert(c); err != nil {
			failures = append(failures, fmt.Sprintf("%s %s: %v", c.Kind, c.Path, err))
		}
		touched = append(touched, c.Path)
		if c.From != "" {
			touched = append(touched, c.From)
		}
	}
	j.changes = nil
	return touched, failures
}

func (j *journal) revert(c change) error {
	switch c.Kind {
	case changeCreate, changeMkdir:
		return os.RemoveAll(j.abs(c.Path))
	case changeRemove:
		return os.Rename(c.grave, j.abs(c.Path))
	case changeRename:
		if err := os.Rename(j.abs(c.Path), j.abs(c.From)); err != nil {
			return err
		}
		if c.grave != "" {
			return os.Rename(c.grave, j.abs(c.Path))
		}
	}
	return nil
}
