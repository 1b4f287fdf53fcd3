package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
	"unsafe"
)

// The hand-written loop: what a careful Go programmer writes for this one job, and so the
// practical limit of the machine. It reads each file whole, splits lines and fields
// without copying, parses the fixed timestamp layout by hand, and keeps open windows in a
// map; every perTrigger files it advances the watermark and closes the windows behind it,
// as the engine does per micro-batch.

type handState struct {
	w     windowSpec
	open  map[int64]*acc
	done  map[int64]result
	maxTs int64
	wm    int64
}

func newHandState(w windowSpec) *handState {
	return &handState{w: w, open: map[int64]*acc{}, done: map[int64]result{}, maxTs: -1 << 62, wm: -1 << 62}
}

func (h *handState) add(ts, amount int64, price float64) {
	last := ts - floorMod(ts, h.w.slide)
	for s := last; s > ts-h.w.size; s -= h.w.slide {
		if s+h.w.size <= h.wm {
			continue // late for this window
		}
		a := h.open[s]
		if a == nil {
			a = &acc{}
			h.open[s] = a
		}
		a.add(amount, price)
	}
	if ts > h.maxTs {
		h.maxTs = ts
	}
}

// endBatch advances the watermark and moves the windows it closed to the results.
func (h *handState) endBatch() {
	h.wm = max(h.wm, h.maxTs-h.w.delay)
	for s, a := range h.open {
		if s+h.w.size <= h.wm {
			h.done[s] = a.result()
			delete(h.open, s)
		}
	}
}

func (h *handState) finish() map[int64]result {
	for s, a := range h.open {
		h.done[s] = a.result()
	}
	return h.done
}

func runHand(paths []string, format string, w windowSpec, perTrigger int) (map[int64]result, error) {
	h := newHandState(w)
	for k, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		parse := handCSVLine
		if format == "json" {
			parse = handJSONLine
		}
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				i = len(data)
			}
			line := data[:i]
			data = data[min(i+1, len(data)):]
			if len(line) == 0 {
				continue
			}
			ts, amount, price, err := parse(line)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			h.add(ts, amount, price)
		}
		if (k+1)%perTrigger == 0 {
			h.endBatch()
		}
	}
	return h.finish(), nil
}

var errLine = errors.New("malformed line")

func handCSVLine(line []byte) (ts, amount int64, price float64, err error) {
	i := bytes.IndexByte(line, ',')
	if i < 0 {
		return 0, 0, 0, errLine
	}
	j := bytes.IndexByte(line[i+1:], ',')
	if j < 0 {
		return 0, 0, 0, errLine
	}
	j += i + 1
	return handFields(line[:i], line[i+1:j], line[j+1:])
}

func handJSONLine(line []byte) (ts, amount int64, price float64, err error) {
	dt := jsonField(line, `"dt":`)
	am := jsonField(line, `"amount":`)
	pr := jsonField(line, `"price":`)
	if len(dt) < 2 || dt[0] != '"' || am == nil || pr == nil {
		return 0, 0, 0, errLine
	}
	return handFields(dt[1:len(dt)-1], am, pr)
}

// jsonField is the raw value after key in a flat JSON object line, or nil.
func jsonField(line []byte, key string) []byte {
	k := bytes.Index(line, []byte(key))
	if k < 0 {
		return nil
	}
	v := bytes.TrimLeft(line[k+len(key):], " ")
	end := 0
	if len(v) > 0 && v[0] == '"' {
		end = bytes.IndexByte(v[1:], '"') + 2
	} else {
		end = bytes.IndexAny(v, ",}")
	}
	if end <= 0 {
		return nil
	}
	return v[:end]
}

func handFields(dt, am, pr []byte) (ts, amount int64, price float64, err error) {
	if ts, err = parseDT(dt); err != nil {
		return
	}
	if amount, err = strconv.ParseInt(noCopy(am), 10, 64); err != nil {
		return
	}
	price, err = strconv.ParseFloat(noCopy(pr), 64)
	return
}

// noCopy views b as a string for the strconv calls, which do not keep it.
func noCopy(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// parseDT reads "YYYY-MM-DD HH:MM:SS[.ffffff]" as UTC micros, falling back to time.Parse
// for anything else.
func parseDT(b []byte) (int64, error) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return slowDT(b)
	}
	num := func(p []byte) (int, bool) {
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return slowDT(b)
	}
	us := 0
	if len(b) > 19 {
		if b[19] != '.' || len(b) > 26 {
			return slowDT(b)
		}
		frac, ok := num(b[20:])
		if !ok {
			return slowDT(b)
		}
		for i := len(b) - 20; i < 6; i++ {
			frac *= 10
		}
		us = frac
	}
	return daysFromCivil(y, mo, d)*86400e6 + int64(h*3600+mi*60+s)*1e6 + int64(us), nil
}

func slowDT(b []byte) (int64, error) {
	t, err := time.Parse("2006-01-02 15:04:05.999999", string(b))
	if err != nil {
		return 0, err
	}
	return t.UnixMicro(), nil
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic Gregorian).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
