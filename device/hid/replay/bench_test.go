package replay

import (
	"context"
	"testing"
)

// From an injected input report to the driver's Read returning it, round
// trip included (the reader answers on a channel).
func BenchmarkInputToRead(b *testing.B) {
	bus := New()
	if err := bus.Add(headset("p")); err != nil {
		b.Fatal(err)
	}
	d, err := bus.Open("p")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	got := make(chan struct{})
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := d.Read(context.Background(), buf); err != nil {
				return
			}
			got <- struct{}{}
		}
	}()
	report := []byte{0x08, 0x02}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bus.Input("p", report); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}

// Baseline of the same run: the same round trip over two bare channels.
func BenchmarkBaselineChannelRoundTrip(b *testing.B) {
	in, out := make(chan []byte), make(chan struct{})
	go func() {
		for range in {
			out <- struct{}{}
		}
	}()
	defer close(in)
	report := []byte{0x08, 0x02}
	for i := 0; i < b.N; i++ {
		in <- report
		<-out
	}
}
