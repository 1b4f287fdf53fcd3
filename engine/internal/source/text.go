package source

import (
	"fmt"
	"strings"

	"github.com/runnel-go/runnel/engine/types"
)

// TextSchema is the text source's fixed schema: one string column, value.
func TextSchema() *types.StructType {
	return types.NewStructType().Add("value", types.StringType)
}

// textParser makes one row per line (or one per file with wholetext).
type textParser struct {
	lineSep   string // "" means \n, \r\n or \r
	wholeText bool
}

func newTextParser(schema *types.StructType, o options) (*textParser, error) {
	if len(schema.Fields) != 1 {
		return nil, fmt.Errorf("Text data source supports only a single column, and you have %d columns.", len(schema.Fields))
	}
	if t := schema.Fields[0].DataType; t.ID() != types.StringID {
		return nil, fmt.Errorf("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Text datasource doesn't support the column `%s` of the type \"%s\".",
			schema.Fields[0].Name, strings.ToUpper(t.SimpleString()))
	}
	p := &textParser{lineSep: o.str("lineSep", "")}
	var err error
	if p.wholeText, err = o.boolean("wholetext", false); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *textParser) parse(s string, out *batchSink) {
	if p.wholeText {
		b := out.batch()
		pushStr(b.Cols[0], s)
		b.N++
		return
	}
	for i := 0; i < len(s); {
		var line string
		if p.lineSep != "" {
			j := strings.Index(s[i:], p.lineSep)
			if j < 0 {
				line, i = s[i:], len(s)
			} else {
				line, i = s[i:i+j], i+j+len(p.lineSep)
			}
		} else {
			j := i
			for j < len(s) && s[j] != '\n' && s[j] != '\r' {
				j++
			}
			line = s[i:j]
			if j < len(s) && s[j] == '\r' && j+1 < len(s) && s[j+1] == '\n' {
				j++
			}
			i = j + 1
		}
		b := out.batch()
		pushStr(b.Cols[0], line)
		b.N++
	}
}
