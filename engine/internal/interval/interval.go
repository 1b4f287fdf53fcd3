// Package interval parses Spark's interval strings ("10 minutes", "1 hour 30 minutes",
// "500 milliseconds", "interval 2 days") used by window durations, watermarks, triggers
// and interval literals.
package interval

import (
	"fmt"
	"strconv"
	"strings"
)

// Interval is a CalendarInterval: months, days and microseconds.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

const (
	microsPerMilli  = 1000
	microsPerSecond = 1000 * microsPerMilli
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
)

// Parse reads "N unit [N unit ...]" with an optional leading "interval". Units (singular or
// plural, any case): year, month, week, day, hour, minute, second, millisecond, microsecond.
// Numbers may be negative or, for seconds and smaller, fractional.
func Parse(s string) (Interval, error) {
	var iv Interval
	f := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	if len(f) > 0 && f[0] == "interval" {
		f = f[1:]
	}
	if len(f) == 0 {
		return iv, fmt.Errorf("cannot parse interval %q: it is empty", s)
	}
	if len(f)%2 != 0 {
		return iv, fmt.Errorf("cannot parse interval %q: expected pairs of a number and a unit", s)
	}
	for i := 0; i < len(f); i += 2 {
		num, unit := strings.Trim(f[i], "'\""), strings.Trim(f[i+1], "'\",")
		unit = strings.TrimSuffix(unit, "s")
		val, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return iv, fmt.Errorf("cannot parse interval %q: %q is not a number", s, num)
		}
		switch unit {
		case "year":
			iv.Months += int32(val * 12)
		case "month":
			iv.Months += int32(val)
		case "week":
			iv.Days += int32(val * 7)
		case "day":
			iv.Days += int32(val)
		case "hour":
			iv.Micros += int64(val * microsPerHour)
		case "minute":
			iv.Micros += int64(val * microsPerMinute)
		case "second", "sec":
			iv.Micros += int64(val * microsPerSecond)
		case "millisecond", "milli", "m":
			iv.Micros += int64(val * microsPerMilli)
		case "microsecond", "micro":
			iv.Micros += int64(val)
		default:
			return iv, fmt.Errorf("cannot parse interval %q: unknown unit %q", s, f[i+1])
		}
	}
	return iv, nil
}

// DurationMicros parses s as a fixed duration in microseconds: days count as 24 hours and
// months are refused, as Spark does for window and watermark durations.
func DurationMicros(s string) (int64, error) {
	iv, err := Parse(s)
	if err != nil {
		return 0, err
	}
	if iv.Months != 0 {
		return 0, fmt.Errorf("intervals greater than a month are not supported (%s)", s)
	}
	return int64(iv.Days)*microsPerDay + iv.Micros, nil
}

// Format renders micros the way Spark prints a duration in messages: "10 minutes",
// "1 hours 30 minutes" (Spark's CalendarInterval text).
func Format(micros int64) string {
	if micros == 0 {
		return "0 seconds"
	}
	var parts []string
	neg := micros < 0
	if neg {
		micros = -micros
	}
	for _, u := range []struct {
		n    int64
		name string
	}{{microsPerDay, "days"}, {microsPerHour, "hours"}, {microsPerMinute, "minutes"}} {
		if micros >= u.n {
			parts = append(parts, fmt.Sprintf("%d %s", micros/u.n, u.name))
			micros %= u.n
		}
	}
	if micros > 0 {
		sec := float64(micros) / microsPerSecond
		parts = append(parts, strconv.FormatFloat(sec, 'f', -1, 64)+" seconds")
	}
	s := strings.Join(parts, " ")
	if neg {
		s = "-" + s
	}
	return s
}
