package payment

import (
	"sync"
	"time"
)

// EventType names a step of a payment that a UI or a cash register follows.
type EventType string

const (
	EventCreated     EventType = "payment.created"
	EventWaitingCard EventType = "payment.waiting_card"
	EventCardRead    EventType = "payment.card_read"
	EventAuthorising EventType = "payment.authorising"
	// EventPINRequired: the payment waits for the cardholder's PIN
	// (state awaiting_pin); the event carries the amount, never a PIN.
	EventPINRequired     EventType = "payment.pin_required"
	EventQR              EventType = "payment.qr"           // a QR to show the customer
	EventWaitingCode     EventType = "payment.waiting_code" // scan the customer's wallet code
	EventLinkSent        EventType = "payment.link_sent"
	EventApproved        EventType = "payment.approved"
	EventOfflineApproved EventType = "payment.offline_approved"
	EventDeclined        EventType = "payment.declined"
	EventCancelled       EventType = "payment.cancelled"
	EventFailed          EventType = "payment.failed"
	EventExpired         EventType = "payment.expired"
	EventRemoveCard      EventType = "payment.remove_card"
	EventReceiptPrinted  EventType = "receipt.printed"
	EventReceiptFailed   EventType = "receipt.failed"
	EventRefunded        EventType = "payment.refunded"
	// EventRefundPending and EventVoidPending: the gateway's answer was lost;
	// the operation blocks the payment until the gateway's record settles it.
	EventRefundPending EventType = "payment.refund_pending"
	EventVoidPending   EventType = "payment.void_pending"
	// EventOperationSettled: a pending operation was settled from the
	// gateway's record without having happened (the payment is as before).
	EventOperationSettled EventType = "payment.operation_settled"
	EventReversed         EventType = "payment.reversed"
	EventForwarded        EventType = "payment.forwarded"
	EventBatchClosed      EventType = "batch.closed"
)

// Event is one step, with a snapshot of the payment after it.
type Event struct {
	Type    EventType    `json:"type"`
	At      time.Time    `json:"at"`
	Message string       `json:"message,omitempty"`
	Payment *Transaction `json:"payment,omitempty"`
	// Err is the error behind a failure event (receipt.failed), for
	// errors.Is; Message is its text for logs and the API.
	Err error `json:"-"`
	// Report is the Z report of a batch.closed event: the accounting
	// document the merchant's notification carries.
	Report *Report `json:"-"`
}

// bus fans events out to subscribers. A subscriber that does not keep up
// loses its oldest events rather than stalling a payment.
type bus struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func (b *bus) subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, buffer)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = make(map[chan Event]struct{})
	}
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
			close(ch)
		})
	}
}

func (b *bus) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		for {
			select {
			case ch <- e:
			default:
				select { // full: drop the oldest and try again
				case <-ch:
				default:
				}
				continue
			}
			break
		}
	}
}

// Announce publishes an event about t on behalf of an adapter that changed
// it outside a payment flow (the offline forwarder, boot recovery).
func (s *Service) Announce(ev EventType, t *Transaction, msg string) { s.publish(ev, t, msg) }
