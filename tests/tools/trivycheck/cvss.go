package main

// CVSS v3.x base and temporal scores (FIRST CVSS v3.1 specification,
// section 7 and Appendix A), written here independently of the C code so
// trivycheck can check the V3Score and severity trivy.db carries.

import (
	"math"
	"strings"
)

var v3weights = map[string]map[string]float64{
	"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
	"AC": {"L": 0.77, "H": 0.44},
	"PR": {"N": 0.85, "L": 0.62, "H": 0.27},
	"UI": {"N": 0.85, "R": 0.62},
	"S":  {"U": 0, "C": 1},
	"C":  {"H": 0.56, "L": 0.22, "N": 0},
	"I":  {"H": 0.56, "L": 0.22, "N": 0},
	"A":  {"H": 0.56, "L": 0.22, "N": 0},
	"E":  {"X": 1, "H": 1, "F": 0.97, "P": 0.94, "U": 0.91},
	"RL": {"X": 1, "U": 1, "W": 0.97, "T": 0.96, "O": 0.95},
	"RC": {"X": 1, "C": 1, "R": 0.96, "U": 0.92},
}

func roundup(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return (math.Floor(float64(i)/10000) + 1) / 10
}

// cvss3 returns the score and true, or false for a vector that does not
// parse (which trivy.db must then not carry).
func cvss3(vector string) (float64, bool) {
	if !strings.HasPrefix(vector, "CVSS:3.0/") && !strings.HasPrefix(vector, "CVSS:3.1/") {
		return 0, false
	}
	m := map[string]string{}
	for _, part := range strings.Split(vector[9:], "/") {
		kv := strings.SplitN(part, ":", 2)
		if len(kv) != 2 {
			return 0, false
		}
		if _, dup := m[kv[0]]; dup {
			return 0, false
		}
		m[kv[0]] = kv[1]
	}
	w := map[string]float64{}
	for name, vals := range v3weights {
		v, ok := m[name]
		if !ok {
			if name == "E" || name == "RL" || name == "RC" {
				v = "X"
			} else {
				return 0, false
			}
		}
		f, ok := vals[v]
		if !ok {
			return 0, false
		}
		w[name] = f
	}
	changed := m["S"] == "C"
	pr := w["PR"]
	if changed && m["PR"] == "L" {
		pr = 0.68
	} else if changed && m["PR"] == "H" {
		pr = 0.5
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	expl := 8.22 * w["AV"] * w["AC"] * pr * w["UI"]
	base := 0.0
	if impact > 0 {
		if changed {
			base = roundup(math.Min(1.08*(impact+expl), 10))
		} else {
			base = roundup(math.Min(impact+expl, 10))
		}
	}
	return roundup(base * w["E"] * w["RL"] * w["RC"]), true
}

func severityOf(score float64) string {
	switch {
	case score >= 9:
		return "CRITICAL"
	case score >= 7:
		return "HIGH"
	case score >= 4:
		return "MEDIUM"
	case score >= 0.1:
		return "LOW"
	}
	return "UNKNOWN"
}
