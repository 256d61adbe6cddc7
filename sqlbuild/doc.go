// Package sqlbuild turns a failedcheckins.Query into SQL for the stores. It
// is the one whitelist that maps API fields to columns and the one place
// that writes search SQL, so the sqlite and postgres stores cannot drift
// apart on the rules of API.md. The few differences between the two SQL
// dialects are data in a Dialect (placeholder style, substring test, null
// ordering, time arguments), chosen by each store, never found by rewriting
// SQL text. It is a leaf: it imports the domain and neither store.
package sqlbuild
