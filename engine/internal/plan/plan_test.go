package plan

import (
	"testing"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

func parse(t *testing.T, s string) expr.Node {
	t.Helper()
	n, err := sqlparse.ParseExpr(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func source(cols ...string) *StreamSource {
	st := types.NewStructType()
	for i := 0; i < len(cols); i += 2 {
		st.Add(cols[i], cols[i+1])
	}
	return &StreamSource{Format: "memory", Out: st}
}

func TestEventTimeColumnsFollowProjectionsAndWindows(t *testing.T) {
	wm, err := NewWatermark(source("ts", "timestamp", "k", "string"), "ts", "1 minute")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProject(wm, []expr.Node{parse(t, "k"), parse(t, "ts AS t2"), parse(t, "cast(ts as string) AS s")})
	if err != nil {
		t.Fatal(err)
	}
	if got := EventTimeColumns(p); !(got[0] == false && got[1] == true && got[2] == false) {
		t.Errorf("project: %v", got)
	}
	agg, err := NewAggregate(p, []expr.Node{parse(t, "window(t2, '10 minutes')"), parse(t, "k")},
		[]expr.Node{parse(t, "window(t2, '10 minutes')"), parse(t, "k"), parse(t, "count(*)")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := agg.(*Project).Child.(*Aggregate)
	if !AggregateHasWatermark(a) || a.Window == nil || a.Window.Size != 600_000_000 || a.Window.Slide != 600_000_000 {
		t.Errorf("aggregate %+v", a.Window)
	}
	if got := agg.Schema().Names(); len(got) != 3 || got[0] != "window" || got[2] != "count(1)" {
		t.Errorf("names %v", got)
	}
}

func TestStreamJoinEvictionFromRangeConditions(t *testing.T) {
	l, err := NewWatermark(source("adId", "int", "impTime", "timestamp"), "impTime", "10 minutes")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewWatermark(source("clickAdId", "int", "clickTime", "timestamp"), "clickTime", "20 minutes")
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJoinOn(l, r, parse(t, "clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + interval 1 hour"), LeftOuter)
	if err != nil {
		t.Fatal(err)
	}
	ev := StreamJoinEviction(j.(*Join))
	// Impressions go once the watermark passes impTime + 1 hour; clicks once it passes
	// clickTime.
	if ev.KeyIndex != -1 || ev.Col != [2]int{1, 1} || ev.Lag != [2]int64{3_600_000_000, 0} {
		t.Errorf("eviction %+v", ev)
	}
	if len(j.(*Join).LeftKeys) != 1 || CheckStreaming(j, Append) != nil {
		t.Errorf("keys %v, check %v", j.(*Join).LeftKeys, CheckStreaming(j, Append))
	}
	keyed, err := NewJoinUsing(l, r, nil, Inner)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckStreaming(keyed, Update); err == nil {
		t.Error("a stream-stream join in update mode must be refused")
	}
}
