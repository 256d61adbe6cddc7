//go:build !linux

package sqlite

// renameNoReplace renames oldpath to newpath unless newpath exists, then
// failing with an error that is fs.ErrExist (renameChecked: other systems
// than Linux have no RENAME_NOREPLACE here).
func renameNoReplace(oldpath, newpath string) error { return renameChecked(oldpath, newpath) }
