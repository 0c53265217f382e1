package config

import (
	"github.com/agext/levenshtein"
)

// suggest returns the name in names closest to given, if one is close
// enough to be a likely typo.
func suggest(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
