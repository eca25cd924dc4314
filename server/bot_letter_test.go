package server

import (
	"testing"

	"github.com/agentdesk/agentdesk/copilot"
)

func TestLetterGreeting(t *testing.T) {
	for _, c := range []struct{ lang, name, want string }{
		{copilot.LangEN, "Sam Lee", "Hello Sam,\n\nB\n\nBest regards,\nBot (automatic reply)\n"},
		{copilot.LangEN, "sam@example.com", "Hello,\n\nB\n\nBest regards,\nBot (automatic reply)\n"},
		{copilot.LangEN, "Visitor e8a6", "Hello,\n\nB\n\nBest regards,\nBot (automatic reply)\n"},
		{copilot.LangZH, "王芳", "王芳，您好！\n\nB\n\n祝好！\nBot（自动回复）\n"},
		{copilot.LangZH, "", "您好！\n\nB\n\n祝好！\nBot（自动回复）\n"},
		{copilot.LangEN, "Eve\u202e\x07", "Hello Eve,\n\nB\n\nBest regards,\nBot (automatic reply)\n"},
	} {
		if got := letter(c.lang, c.name, "B", "Bot"); got != c.want {
			t.Errorf("letter(%s, %q) = %q, want %q", c.lang, c.name, got, c.want)
		}
		if got := letterBody(letter(c.lang, c.name, "The body.\n\nSecond paragraph.", "Bot")); got != "The body.\n\nSecond paragraph." {
			t.Errorf("letterBody = %q", got)
		}
	}
}

func TestSubjectQuestions(t *testing.T) {
	cv := copilot.Conversation{Messages: []copilot.Message{{Role: "customer", Text: "see subject"}}}
	alts := subjectQuestions(cv, "Re: Shipping to Canada?")
	if len(alts) != 2 || alts[0].Messages[0].Text != "Shipping to Canada?\nsee subject" || alts[1].Messages[0].Text != "Shipping to Canada?" {
		t.Fatalf("alternatives %+v", alts)
	}
	if cv.Messages[0].Text != "see subject" {
		t.Fatal("the conversation was changed")
	}
	cv.Messages = append(cv.Messages, copilot.Message{Role: "bot", Text: "?"}, copilot.Message{Role: "customer", Text: "more"})
	if alts := subjectQuestions(cv, "Shipping"); alts != nil {
		t.Fatalf("a follow-up has no subject question: %+v", alts)
	}
}
