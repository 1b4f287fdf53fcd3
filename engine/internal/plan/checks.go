package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/expr"
)

// Spark's messages for queries the streaming engine cannot run (UnsupportedOperationChecker).
var (
	ErrStreamingAction = errors.New("Queries with streaming sources must be executed with writeStream.start()")
	ErrBatchStart      = errors.New("Queries without streaming sources cannot be executed with writeStream.start()")
)

// Output modes, spelled as Spark prints them in messages.
const (
	Append   = "Append"
	Update   = "Update"
	Complete = "Complete"
)

// EventTimeColumns reports, for each output column of n, whether it carries a watermark
// (an event-time column under withWatermark, or a window over one).
func EventTimeColumns(n Node) []bool {
	out := make([]bool, len(n.Schema().Fields))
	switch x := n.(type) {
	case *Watermark:
		copy(out, EventTimeColumns(x.Child))
		if i := x.Schema().FieldIndex(x.Column); i >= 0 {
			out[i] = true
		}
	case *Filter, *Deduplicate, *Sort, *Limit, *SubqueryAlias:
		copy(out, EventTimeColumns(n.Children()[0]))
	case *Generate:
		in := EventTimeColumns(x.Child)
		copy(out, in)
		if x.Window != nil {
			if j := ColumnIndex(x.Window.Time, x.Child.Schema()); j >= 0 {
				out[len(out)-1] = in[j]
			}
		}
	case *Union:
		copy(out, EventTimeColumns(x.Inputs[0]))
	case *Project:
		in := EventTimeColumns(x.Child)
		quals := qualifiers(x.Child)
		for i, e := range x.Exprs {
			if j := columnIndexIn(Strip(e), x.Child.Schema(), quals); j >= 0 {
				out[i] = in[j]
			}
		}
	case *Aggregate:
		in := EventTimeColumns(x.Child)
		for i, k := range x.Keys {
			t := k
			if x.Window != nil && x.Window.Index == i {
				t = x.Window.Time
			}
			if j := ColumnIndex(t, x.Child.Schema()); j >= 0 {
				out[i] = in[j]
			}
		}
	case *Join:
		l, r := EventTimeColumns(x.Left), EventTimeColumns(x.Right)
		comb := append(append([]bool{}, l...), r...)
		for i, p := range x.Project {
			out[i] = comb[p]
		}
	}
	return out
}

// HasWatermark reports whether n has a withWatermark below it.
func HasWatermark(n Node) bool { return len(Watermarks(n)) > 0 }

// AggregateHasWatermark reports whether a grouping key of a carries a watermark.
func AggregateHasWatermark(a *Aggregate) bool {
	for _, w := range EventTimeColumns(a)[:len(a.Keys)] {
		if w {
			return true
		}
	}
	return false
}

func streamingAggregates(n Node) []*Aggregate {
	var out []*Aggregate
	Walk(n, func(x Node) {
		if a, ok := x.(*Aggregate); ok && IsStreaming(a.Child) {
			out = append(out, a)
		}
	})
	return out
}

// CheckStreaming applies Spark's checks for running root as a streaming query in mode
// (Append, Update or Complete), in Spark's order: streaming sources, multiple
// aggregations, the output mode, then each operator.
func CheckStreaming(root Node, mode string) error {
	if !IsStreaming(root) {
		return ErrBatchStart
	}
	aggs := streamingAggregates(root)
	if len(aggs) > 1 {
		return fmt.Errorf("Multiple streaming aggregations are not supported with streaming DataFrames/Datasets")
	}
	switch {
	case len(aggs) == 1 && mode == Append && !AggregateHasWatermark(aggs[0]):
		return fmt.Errorf("%s output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark", mode)
	case len(aggs) == 1 && mode == Update && aggs[0].Window != nil && aggs[0].Window.Session:
		return fmt.Errorf("%s output mode not supported for session window on streaming DataFrames/DataSets", mode)
	case len(aggs) == 0 && mode == Complete:
		return fmt.Errorf("%s output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets", mode)
	}
	var err error
	walkUp(root, func(n Node) {
		if err != nil || !IsStreaming(n) {
			return
		}
		switch x := n.(type) {
		case *Aggregate:
			for _, a := range x.Aggs {
				if a.Distinct {
					err = fmt.Errorf("Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.")
					return
				}
			}
		case *Sort:
			if mode != Complete || len(aggs) == 0 {
				err = fmt.Errorf("Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode")
			}
		case *Limit:
			if mode == Update {
				err = fmt.Errorf("Limits are not supported on streaming DataFrames/Datasets in Update output mode")
			}
		case *Join:
			if IsStreaming(x.Left) && IsStreaming(x.Right) && mode != Append {
				err = fmt.Errorf("Join between two streaming DataFrames/Datasets is not supported in %s output mode, only in Append output mode", mode)
				return
			}
			err = checkJoin(x, mode)
		}
	})
	return err
}

func checkJoin(j *Join, mode string) error {
	ls, rs := IsStreaming(j.Left), IsStreaming(j.Right)
	if ls && rs {
		switch j.Type {
		case Inner, Cross:
			return nil
		case LeftAnti:
			return fmt.Errorf("Left anti joins between two streaming DataFrames/Datasets are not supported")
		}
		if !StreamJoinCanEvict(j) {
			return fmt.Errorf("Stream-stream %s join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition", j.Type)
		}
		return nil
	}
	switch j.Type {
	case LeftOuter, LeftSemi, LeftAnti:
		if rs {
			return fmt.Errorf("%s join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported", j.Type)
		}
	case RightOuter:
		if ls {
			return fmt.Errorf("%s join with a streaming DataFrame/Dataset on the left and a static DataFrame/Dataset on the right is not supported", j.Type)
		}
	case FullOuter:
		if ls {
			return fmt.Errorf("%s join with a streaming DataFrame/Dataset on the left and a static DataFrame/Dataset on the right is not supported", j.Type)
		}
		return fmt.Errorf("%s join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported", j.Type)
	}
	return nil
}

// JoinEviction says how a stream-stream join drops buffered rows: by a watermarked join
// key (KeyIndex >= 0), or by a range condition bounding one side's event time by the
// other's (the side's EventCol plus Lag must be below the watermark).
type JoinEviction struct {
	KeyIndex int // index into LeftKeys/RightKeys of a watermarked key, or -1
	// Per side (0 left, 1 right): the side's event-time column index and how far behind
	// the watermark its rows stay useful, in micros; Col -1 when the side cannot be evicted.
	Col [2]int
	Lag [2]int64
}

// StreamJoinEviction analyses a stream-stream join's state cleanup.
func StreamJoinEviction(j *Join) JoinEviction {
	ev := JoinEviction{KeyIndex: -1, Col: [2]int{-1, -1}}
	lw, rw := EventTimeColumns(j.Left), EventTimeColumns(j.Right)
	for i := range j.LeftKeys {
		li := ColumnIndex(j.LeftKeys[i], j.Left.Schema())
		ri := ColumnIndex(j.RightKeys[i], j.Right.Schema())
		if li >= 0 && ri >= 0 && (lw[li] || rw[ri]) {
			ev.KeyIndex = i
			ev.Col = [2]int{li, ri}
			return ev
		}
	}
	// Range conditions: l.t >= r.t - d, l.t <= r.t + d, l.t > ..., "BETWEEN" is not parsed here.
	nl := len(j.Left.Schema().Fields)
	for _, c := range conjuncts(j.Cond) {
		b, ok := c.(*expr.Binary)
		if !ok {
			continue
		}
		li, lo := timeTerm(b.L, j.CondSchema)
		ri, ro := timeTerm(b.R, j.CondSchema)
		if li < 0 || ri < 0 || (li < nl) == (ri < nl) {
			continue
		}
		// Normalise to "a op b" with a on the left side of the join.
		op := b.Op
		if li >= nl {
			li, ri, lo, ro = ri, li, ro, lo
			op = flip(op)
		}
		ri -= nl
		// left + lo  op  right + ro
		switch op {
		case ">", ">=":
			// left >= right + (ro - lo): right rows are useful while right >= wm - (ro-lo)...
			// A left row is needed until right rows can no longer satisfy right <= left + lo - ro.
			if rw[ri] {
				ev.Col[0], ev.Lag[0] = li, lo-ro
			}
		case "<", "<=":
			if lw[li] {
				ev.Col[1], ev.Lag[1] = ri, ro-lo
			}
		}
	}
	return ev
}

func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// timeTerm reads "col", "col + interval", "col - interval" over the combined schema.
func timeTerm(n expr.Node, schema interface{ FieldIndex(string) int }) (int, int64) {
	switch x := n.(type) {
	case *expr.ColumnRef:
		if len(x.Parts) == 1 {
			return schema.FieldIndex(x.Parts[0]), 0
		}
	case *expr.Binary:
		if x.Op != "+" && x.Op != "-" {
			return -1, 0
		}
		i, off := timeTerm(x.L, schema)
		if i < 0 {
			return -1, 0
		}
		d, err := DurationArg(x.R)
		if err != nil {
			if c, ok := x.R.(*expr.Cast); ok {
				d, err = DurationArg(c.X)
			}
			if err != nil {
				return -1, 0
			}
		}
		if x.Op == "-" {
			d = -d
		}
		return i, off + d
	}
	return -1, 0
}

// StreamJoinCanEvict reports whether an outer stream-stream join can ever emit its
// null-padded rows: it needs a watermarked key or a range condition bounding the
// nullable side.
func StreamJoinCanEvict(j *Join) bool {
	ev := StreamJoinEviction(j)
	if ev.KeyIndex >= 0 {
		return true
	}
	switch j.Type {
	case LeftOuter, LeftSemi:
		return ev.Col[0] >= 0
	case RightOuter:
		return ev.Col[1] >= 0
	case FullOuter:
		return ev.Col[0] >= 0 && ev.Col[1] >= 0
	}
	return true
}

// ModeName turns "append"/"update"/"complete" (any case) into Spark's spelling.
func ModeName(mode string) (string, error) {
	switch strings.ToLower(mode) {
	case "append", "":
		return Append, nil
	case "update":
		return Update, nil
	case "complete":
		return Complete, nil
	}
	return "", fmt.Errorf("Unknown output mode %s. Accepted output modes are 'append', 'complete', 'update'", mode)
}

// walkUp calls f on n's descendants before n (Spark's foreachUp).
func walkUp(n Node, f func(Node)) {
	for _, c := range n.Children() {
		walkUp(c, f)
	}
	f(n)
}
