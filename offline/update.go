package offline

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
)

// Update reads payment id, applies edit and saves the result in one bbolt
// transaction (payment.Journal): edit sees the latest record, no other
// write comes between, and an error from edit leaves the journal as it
// was. This is where a refund's remainder is checked against the refunds
// already journaled, and where a second operation on one payment is
// refused.
func (s *Store) Update(ctx context.Context, id string, edit func(*payment.Transaction) error) (*payment.Transaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var t *payment.Transaction
	queued := false
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if t, err = s.getTx(tx, id, s.aead); err != nil {
			return err
		}
		if err := edit(t); err != nil {
			return err
		}
		val, err := encode(s.aead, t)
		if err != nil {
			return fmt.Errorf("offline: encoding %s: %w", t.ID, err)
		}
		queued, err = s.put(tx, t, val)
		return err
	})
	if err != nil {
		return nil, err
	}
	if queued {
		s.wake()
	}
	return t, nil
}
