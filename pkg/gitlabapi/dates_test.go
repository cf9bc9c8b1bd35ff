package gitlabapi

import (
	"encoding/json"
	"testing"
	"time"
)

// The date written is the date meant, whatever the zone of a timestamp.
func TestParseDateKeepsTheWrittenDate(t *testing.T) {
	for in, want := range map[string]Date{
		"2020-11-22":                    "2020-11-22",
		"2020-11-22T14:13:35Z":          "2020-11-22",
		"2020-11-22T00:00:00.000+01:00": "2020-11-22",
		"2020-11-22 00:00:00 UTC":       "2020-11-22",
		"":                              "",
	} {
		got, err := ParseDate(in)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"22/11/2020", "2020-13-01", "2020-11-22x", "soon"} {
		if got, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDateDecodesNullAndRefusesGarbage(t *testing.T) {
	var v struct {
		A Date `json:"a"`
		B Date `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"b":"2036-01-31T00:00:00Z"}`), &v); err != nil || v.A != "" || v.B != "2036-01-31" {
		t.Errorf("decoded %+v, %v", v, err)
	}
	if err := json.Unmarshal([]byte(`{"a":"soon"}`), &v); err == nil {
		t.Error("an unreadable date decoded without an error")
	}
	if err := json.Unmarshal([]byte(`{"a":20361231}`), &v); err == nil {
		t.Error("a number decoded as a date")
	}
}

// A display timestamp never fails a listing: unreadable is no time.
func TestTimeIsEmptyRatherThanFailing(t *testing.T) {
	var v struct {
		A, B, C, D Time
	}
	body := `{"A":"2020-10-22T14:13:35.000+02:00","B":"2020-10-22","C":"yesterday","D":null}`
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if a := v.A.Time(); a == nil || !a.Equal(time.Date(2020, 10, 22, 12, 13, 35, 0, time.UTC)) || a.Location() != time.UTC {
		t.Errorf("A = %v", a)
	}
	if b := v.B.Time(); b == nil || !b.Equal(time.Date(2020, 10, 22, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("B = %v", b)
	}
	if v.C.Time() != nil || v.D.Time() != nil {
		t.Errorf("C, D = %v, %v; want none", v.C.Time(), v.D.Time())
	}
}
