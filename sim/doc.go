// Package sim is the deterministic simulation kernel.
package sim
