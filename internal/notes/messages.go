package notes

import "fmt"

// MinTitleChars is the lower limit of SPEC §7 on a note's title, beside
// the upper ones in validate.go.
const MinTitleChars = 1

// The messages of the domain's checks, spelled from the limits, so that a
// limit is written once here (and once in the HTTP body tags, which a test
// holds to these constants).

func bytesMessage(hi int) string { return fmt.Sprintf("must be at most %d bytes of UTF-8", hi) }
