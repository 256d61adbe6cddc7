// Package storetest holds what every store's tests share: the reference
// implementation of search (Search), the conformance suite that each
// FailedCheckinStore backend runs unchanged (Run), and loaders for the
// sample data set.
package storetest
