package display

import (
	"errors"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// maxPoints bounds the points a chart keeps: those with the largest x.
const maxPoints = 1000

// LineChart returns a live SVG line chart of column y (a number) against column x (a
// number or a timestamp, such as a window's "start") of q's results. Each batch's rows
// are merged into the chart's points by x, a later row replacing an earlier one with
// the same x (as update mode re-emits a window whose aggregate changed); points are
// drawn sorted by x.
func (o *Output) LineChart(q *engine.StreamingQuery, x, y string) (*View, error) {
	if q == nil {
		return nil, errors.New("display.LineChart: nil query")
	}
	if x == "" || y == "" {
		return nil, errors.New("display.LineChart: x and y must name columns")
	}
	return o.newView(q, &chart{x: x, y: y}), nil
}

// chart holds the points of a LineChart; its View's lock guards it.
type chart struct {
	x, y   string
	points []point // sorted by x
	err    error   // the first problem with the data, shown instead of the chart
}

type point struct {
	x, y   float64
	xLabel string
}

// add merges the rows of one batch's result.
func (c *chart) add(df *engine.DataFrame) {
	if c.err != nil {
		return
	}
	if err := c.merge(df); err != nil {
		c.err = fmt.Errorf("display.LineChart: %w", err)
	}
}

func (c *chart) merge(df *engine.DataFrame) error {
	sch := df.Schema()
	xi, yi := sch.FieldIndex(c.x), sch.FieldIndex(c.y)
	if xi < 0 || yi < 0 {
		missing := c.x
		if xi >= 0 {
			missing = c.y
		}
		return fmt.Errorf("no column %q in the query's result (columns: %s)", missing, strings.Join(df.Columns(), ", "))
	}
	// Only the two columns are read: this runs on the query's goroutine.
	rows, err := df.Select(quote(sch.Fields[xi].Name), quote(sch.Fields[yi].Name)).Collect()
	if err != nil {
		return fmt.Errorf("reading a batch's result: %w", err)
	}
	for _, r := range rows {
		xv, yv := r.At(0), r.At(1)
		if xv == nil || yv == nil {
			continue // a null has no place on the chart
		}
		px, label, ok := xValue(xv)
		if !ok {
			return fmt.Errorf("column %q is %T, want a number or a timestamp", c.x, xv)
		}
		py, ok := number(yv)
		if !ok {
			return fmt.Errorf("column %q is %T, want a number", c.y, yv)
		}
		c.put(point{x: px, y: py, xLabel: label})
	}
	return nil
}

// quote makes a column name a reference to exactly that column ("a.b" is no struct field).
func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// put inserts p in x order, replacing a point with the same x.
func (c *chart) put(p point) {
	i := sort.Search(len(c.points), func(i int) bool { return c.points[i].x >= p.x })
	if i < len(c.points) && c.points[i].x == p.x {
		c.points[i] = p
		return
	}
	c.points = append(c.points, point{})
	copy(c.points[i+1:], c.points[i:])
	c.points[i] = p
	if over := len(c.points) - maxPoints; over > 0 {
		c.points = append(c.points[:0], c.points[over:]...)
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// xValue places a number or a timestamp (in microseconds, exact as a float64) on the
// x axis.
func xValue(v any) (x float64, label string, ok bool) {
	if t, isTime := v.(time.Time); isTime {
		return float64(t.UnixMicro()), t.Format(time.DateTime), true
	}
	n, ok := number(v)
	return n, formatNumber(n), ok
}

func formatNumber(n float64) string { return strconv.FormatFloat(n, 'g', 6, 64) }

// Layout of the SVG, in pixels.
const (
	chartW, chartH                    = 640, 320
	plotL, plotR, plotTop, plotBottom = 80, 620, 40, 270
)

func (c *chart) bundle(st liveState) map[string]any {
	title := c.y + " by " + c.x + " · " + queryName(st.name)
	if st.progress != nil {
		title += " · batch " + strconv.FormatInt(st.progress.BatchID, 10)
	}
	if st.ended {
		title += " · " + st.status
	}
	var s, t strings.Builder
	fmt.Fprintf(&s, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&s, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", (plotL+plotR)/2, esc(title))
	fmt.Fprintf(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", plotL, plotBottom, plotR, plotBottom)
	fmt.Fprintf(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", plotL, plotTop, plotL, plotBottom)
	fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (plotL+plotR)/2, chartH-8, esc(c.x))
	fmt.Fprintf(&s, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>\n",
		(plotTop+plotBottom)/2, (plotTop+plotBottom)/2, esc(c.y))
	fmt.Fprintf(&t, "%s\n", title)

	switch {
	case st.chartErr != nil:
		fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#b00\">%s</text>\n", (plotL+plotR)/2, (plotTop+plotBottom)/2, esc(st.chartErr.Error()))
		fmt.Fprintf(&t, "%v\n", st.chartErr)
	case len(st.points) == 0:
		fmt.Fprintf(&s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no data yet</text>\n", (plotL+plotR)/2, (plotTop+plotBottom)/2)
		t.WriteString("no data yet\n")
	default:
		writePlot(&s, st.points)
		first, last := st.points[0], st.points[len(st.points)-1]
		fmt.Fprintf(&t, "%d points, %s from %s to %s; last %s = %s\n", len(st.points), c.x, first.xLabel, last.xLabel,
			c.y, formatNumber(last.y))
	}
	s.WriteString("</svg>\n")
	// The same SVG inline as HTML too: nbconvert's HTML export (6.5) cleans the
	// image/svg+xml output of its SVG elements, leaving a blank chart, but shows text/html
	// as it is (and prefers it).
	return map[string]any{"image/svg+xml": s.String(), "text/html": s.String(), "text/plain": t.String()}
}

// writePlot draws the axes' ranges and the line. y is padded by 5% of its range so that
// the line does not run along the frame; a single value gets a range of ±1.
func writePlot(s *strings.Builder, points []point) {
	xmin, xmax := points[0].x, points[len(points)-1].x
	ymin, ymax := points[0].y, points[0].y
	for _, p := range points {
		ymin, ymax = min(ymin, p.y), max(ymax, p.y)
	}
	lo, hi := ymin-(ymax-ymin)*0.05, ymax+(ymax-ymin)*0.05
	if ymax == ymin {
		lo, hi = ymin-1, ymax+1
	}
	px := func(x float64) float64 {
		if xmax == xmin {
			return (plotL + plotR) / 2
		}
		return plotL + (x-xmin)/(xmax-xmin)*(plotR-plotL)
	}
	py := func(y float64) float64 { return plotBottom - (y-lo)/(hi-lo)*(plotBottom-plotTop) }
	coord := func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

	fmt.Fprintf(s, "<text x=\"%d\" y=\"%s\" text-anchor=\"end\">%s</text>\n", plotL-4, coord(py(ymax)+4), esc(formatNumber(ymax)))
	fmt.Fprintf(s, "<text x=\"%d\" y=\"%s\" text-anchor=\"end\">%s</text>\n", plotL-4, coord(py(ymin)+4), esc(formatNumber(ymin)))
	fmt.Fprintf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"start\">%s</text>\n", plotL, plotBottom+16, esc(points[0].xLabel))
	if len(points) > 1 {
		fmt.Fprintf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", plotR, plotBottom+16, esc(points[len(points)-1].xLabel))
	}
	pts := make([]string, len(points))
	for i, p := range points {
		pts[i] = coord(px(p.x)) + "," + coord(py(p.y))
	}
	fmt.Fprintf(s, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"%s\"/>\n", strings.Join(pts, " "))
	for _, p := range pts {
		x, y, _ := strings.Cut(p, ",")
		fmt.Fprintf(s, "<circle cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"#1f77b4\"/>\n", x, y)
	}
}

// esc escapes text for SVG (XML) content and attributes.
func esc(s string) string { return html.EscapeString(s) }
