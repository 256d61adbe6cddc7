package sqlite

import (
	"errors"
	"io/fs"
	"os"
)

// renameChecked renames oldpath to newpath after checking that newpath
// does not exist (an error that is fs.ErrExist otherwise). A file another
// process creates between the check and the rename is replaced: it is the
// fallback of renameNoReplace where the system has nothing better.
func renameChecked(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); !errors.Is(err, fs.ErrNotExist) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}
