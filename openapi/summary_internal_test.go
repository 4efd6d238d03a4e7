package openapi

import "testing"

func TestSummaryOf(t *testing.T) {
	tests := []struct{ name, want string }{
		{"example.com/app/internal/httpapi.(*server).getNote-fm", "Get note"},
		{"example.com/app.server.listAPIKeys-fm", "List API keys"},
		{"example.com/app.readUserProfile", "Read user profile"},
		{"example.com/app.read_profile", "Read profile"},
		{"example.com/app.show[...]", "Show"},
		{"example.com/app.(*store[...]).getByID-fm", "Get by ID"},
		{"example.com/app.healthz", "Healthz"},
		{"example.com/app.JWKS", "JWKS"},
		{"example.com/app.routes.func1", ""},
		{"example.com/app.routes.func1.2", ""},
		{"example.com/app.glob..func3", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := summaryOf(tt.name); got != tt.want {
			t.Errorf("summaryOf(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
