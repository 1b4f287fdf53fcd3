package engine_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

// newSession gives a test its own session printing to a buffer, in UTC.
func newSession(t *testing.T) (*engine.Session, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	engine.SetOutput(func() io.Writer { return &buf })
	t.Cleanup(func() { engine.SetOutput(nil) })
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	t.Cleanup(s.Stop)
	return s, &buf
}

func TestQuick(t *testing.T) {
	s, buf := newSession(t)
	df := s.CreateDataFrame([][]any{{"LiLei", "class1"}, {"Hanmeimei", "class2"}, {"Lily", "class3"}}).ToDF("name", "class")
	df.PrintSchema()
	if err := df.Show(); err != nil {
		t.Fatal(err)
	}
	words := s.CreateDataFrame([][]any{{"a b a"}, {"b c"}}, "value")
	wc := words.Select(F.Explode(F.Split(words.Col("value"), " ")).Alias("word")).GroupBy("word").Count()
	if err := wc.Show(); err != nil {
		t.Fatal(err)
	}
	t.Log(buf.String())
}
