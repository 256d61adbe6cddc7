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
// An Lstat that fails otherwise (say, permission denied) is returned as
// itself, not reported as a file created meanwhile.
func renameChecked(oldpath, newpath string) error {
	_, err := os.Lstat(newpath)
	switch {
	case err == nil:
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: fs.ErrExist}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return os.Rename(oldpath, newpath)
}
