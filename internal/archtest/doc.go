// Package archtest holds no code: its tests check the house rules of the
// module that the compiler does not — which packages may import which
// (docs/architecture.md), that its package table names every package, that
// the vocabulary lives in protocol, and that files stay split by job (650
// lines). A rule broken here is a design change to make
// on purpose, in the docs first.
package archtest
