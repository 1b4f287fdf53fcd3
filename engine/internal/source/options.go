package source

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// options holds data source options with lower-cased keys: Spark's option keys are
// case-insensitive (CaseInsensitiveMap).
type options map[string]string

func newOptions(m map[string]string) options {
	o := make(options, len(m))
	for k, v := range m {
		o[strings.ToLower(k)] = v
	}
	return o
}

func (o options) get(key string) (string, bool) {
	v, ok := o[strings.ToLower(key)]
	return v, ok
}

func (o options) str(key, def string) string {
	if v, ok := o.get(key); ok {
		return v
	}
	return def
}

func (o options) boolean(key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s flag can be true or false", key)
}

func (o options) integer(key string, def int64) (int64, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s should be an integer value, but got %q", key, v)
	}
	return n, nil
}

// char reads a one-character option such as sep or quote. Spark accepts "\t" spelled
// with a backslash and, for quote/escape, an empty string meaning "none" (\u0000).
func (o options) char(key string, def byte, allowEmpty bool) (byte, bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, true, nil
	}
	switch v {
	case "":
		if allowEmpty {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("Delimiter cannot be empty string")
	case `\t`:
		return '\t', true, nil
	case `\n`:
		return '\n', true, nil
	case `\r`:
		return '\r', true, nil
	case `\\`:
		return '\\', true, nil
	case `\u0000`:
		return 0, false, nil
	}
	if len(v) != 1 {
		return 0, false, fmt.Errorf("%s cannot be more than one character: %s", key, v)
	}
	return v[0], true, nil
}

// parseTimeString reads Spark's time strings ("7d", "1h", "500ms", "10") as a duration;
// a bare number is in unit.
func parseTimeString(s string, unit time.Duration) (time.Duration, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '-') {
		i++
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Invalid time string: %s", s)
	}
	var u time.Duration
	switch strings.TrimSpace(t[i:]) {
	case "":
		u = unit
	case "us":
		u = time.Microsecond
	case "ms":
		u = time.Millisecond
	case "s":
		u = time.Second
	case "m", "min":
		u = time.Minute
	case "h":
		u = time.Hour
	case "d":
		u = 24 * time.Hour
	case "w":
		u = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("Invalid suffix: %q in time string: %s", t[i:], s)
	}
	return time.Duration(n) * u, nil
}
