package supervision

import (
	"fmt"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/workday"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func itoa(n int64) string { return fmt.Sprint(n) }

func shanghaiLoc() *time.Location { return workday.Location() }

func trim(s string) string { return strings.TrimSpace(s) }
