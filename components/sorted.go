package components

import "sort"

// sortedKeys gives map keys in a stable order, so declared lists don't
// reorder (and show a diff) from one run to the next.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
