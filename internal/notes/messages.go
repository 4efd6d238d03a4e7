package notes

import "fmt"

// Lower limits of SPEC §7, beside the upper ones in validate.go.
const (
	MinTitleChars = 1
	MinNameChars  = 1
)

// The messages of the domain's checks, spelled from the limits, so that a
// limit is written once here (and once in the HTTP body tags, which a test
// holds to these constants).

func charsMessage(lo, hi int) string { return fmt.Sprintf("must be %d to %d characters", lo, hi) }

func bytesMessage(hi int) string { return fmt.Sprintf("must be at most %d bytes of UTF-8", hi) }
