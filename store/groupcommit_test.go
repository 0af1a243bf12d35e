package store

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkGroupCommit8 is BenchmarkEnqueueDurable8 with the figure that
// explains it: how many events one fsynced commit carries. Run it with
// BenchmarkBatchBaseline8 in the same run; the goal is ≥ 0.9× its events/s.
func BenchmarkGroupCommit8(b *testing.B) {
	s := openTemp(b)
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		b.Fatal(err)
	}
	run8(b, func(i int) error {
		e := event(i)
		if err := e.Prepare(); err != nil {
			return err
		}
		return s.Write(ctx, func(tx *Tx) error { return tx.Enqueue(e) })
	})
	b.ReportMetric(s.WritesPerCommit(), "events/commit")
}

// BenchmarkBatchBaseline8 is the baseline: bbolt's own db.Batch from 8
// goroutines, each putting a value of the size of a packed event under a
// sequence key, with the same fsync per commit. MaxBatchSize is the number
// of writers, db.Batch's best case: a batch commits as soon as all 8 are in
// it, instead of waiting out MaxBatchDelay.
func BenchmarkBatchBaseline8(b *testing.B) {
	e := event(1)
	if err := e.Prepare(); err != nil {
		b.Fatal(err)
	}
	packed, err := packEvent(e)
	if err != nil {
		b.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "batch.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		b.Fatal(err)
	}
	db.MaxBatchSize = 8
	run8(b, func(int) error {
		return db.Batch(func(tx *bolt.Tx) error {
			bk := tx.Bucket([]byte("b"))
			seq, err := bk.NextSequence()
			if err != nil {
				return err
			}
			return bk.Put(sequenceKey(seq), packed)
		})
	})
}

// run8 runs fn b.N times from 8 goroutines and reports events/s.
func run8(b *testing.B, fn func(i int) error) {
	var n atomic.Int64
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := n.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := fn(int(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
