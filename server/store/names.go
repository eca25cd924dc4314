package store

import (
	"context"
	"fmt"
)

// KnownNames lists every distinct customer and agent name the store holds,
// for masking in exports: a reply reused from another chat may carry
// another customer's name (issue 14.1).
func (s *Store) KnownNames(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM customers UNION SELECT name FROM agents`)
	if err != nil {
		return nil, fmt.Errorf("known names: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("known names: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
