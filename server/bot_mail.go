package server

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agentdesk/agentdesk/copilot"
	"github.com/agentdesk/agentdesk/protocol"
)

// The front-line bot on channels that show the customer only what is
// delivered to them (e-mail): its turns are written as short letters and
// queued in the reply outbox like agents' replies, so the channel's Sender
// sends each one (as mail, threaded, from the bot's name). docs/channels.md
// ("The bot on e-mail") is the user's guide.

// BotMode is how the front-line bot serves a channel (SetBotMode).
type BotMode int

const (
	// BotChat is the default: short chat turns, which the channel shows
	// from the conversation's events (the web widget) or reads through the
	// API.
	BotChat BotMode = iota
	// BotMail: every turn is a letter (a greeting, the answer, how to reach
	// a person by replying, a signature saying it is automatic), delivered
	// through the reply outbox to the channel's Sender. A customer's thanks
	// closes the chat without another mail.
	BotMail
	// BotOff: the bot keeps out of the channel; every conversation on it
	// goes to people.
	BotOff
)

// SetBotMode sets how the front-line bot serves channel. Channels built
// into the server call it before Serve (the e-mail channel: BotMail, or
// BotOff when told to leave mail to people).
func (s *Server) SetBotMode(channel string, m BotMode) { s.botModes.Store(channel, m) }

// BotAnswers reports whether the front-line bot answers customers on
// channel: it runs and is not off there. A channel it does not answer
// queues its conversations for people (ChannelMessage.QueueReason).
func (s *Server) BotAnswers(channel string) bool {
	return s.bot != nil && s.botMode(channel) != BotOff
}

func (s *Server) botMode(channel string) BotMode {
	if m, ok := s.botModes.Load(channel); ok {
		return m.(BotMode)
	}
	return BotChat
}

// mailChannels are the channels the bot writes letters on.
func (s *Server) mailChannels() []string {
	out := []string{}
	s.botModes.Range(func(k, v any) bool {
		if v.(BotMode) == BotMail {
			out = append(out, k.(string))
		}
		return true
	})
	return out
}

// defaultMailIdle is how long a mail chat the bot answered may stay quiet
// before the bot closes it: mail is answered in hours or days, not minutes.
const defaultMailIdle = 72 * time.Hour

// say's words for conversation c: a letter on a mail channel (and queued
// for delivery), the chat text as it is elsewhere (queued for delivery
// too when only a webhook shows the channel to the customer).
func (b *bot) words(c protocol.Conversation, lang, body string) (text string, deliver bool) {
	if b.srv.botMode(c.Channel) != BotMail {
		// A chat turn: the widget shows it from the conversation's events;
		// a channel behind a webhook only sees what is delivered to it.
		return body, b.srv.ch.out.webhookOnly(c.Channel)
	}
	return letter(lang, c.CustomerName, body, b.cfg.Name), true
}

// phraseOn is the bot's phrase p for c's channel, in lang.
func (b *bot) phraseOn(c protocol.Conversation, lang string, p int) string {
	ps := botPhrases
	if b.srv.botMode(c.Channel) == BotMail {
		ps = mailPhrases
	}
	if l, ok := ps[lang]; ok {
		return l[p]
	}
	return ps[copilot.LangEN][p]
}

// letter wraps a bot turn as a short letter: greeting (by name when the
// customer gave one), the body, a sign-off that says it is automatic.
func letter(lang, customer, body, botName string) string {
	name := greetName(customer)
	var b strings.Builder
	if lang == copilot.LangZH {
		if name != "" {
			b.WriteString(name + "，")
		}
		b.WriteString("您好！\n\n" + body + "\n\n祝好！\n" + botName + "（自动回复）\n")
		return b.String()
	}
	b.WriteString("Hello")
	if name != "" {
		b.WriteString(" " + strings.Fields(name)[0])
	}
	b.WriteString(",\n\n" + body + "\n\nBest regards,\n" + botName + " (automatic reply)\n")
	return b.String()
}

// letterBody is a bot letter's body without greeting and sign-off (what
// the handoff card quotes); other text as it is.
func letterBody(text string) string {
	if !strings.HasSuffix(text, " (automatic reply)\n") && !strings.HasSuffix(text, "（自动回复）\n") {
		return text
	}
	start, end := strings.Index(text, "\n\n"), strings.LastIndex(text, "\n\n")
	if start < 0 || end <= start {
		return text
	}
	return text[start+2 : end]
}

// greetName is the customer's name fit for a greeting, or "": an address
// (a mail without a display name) or a channel's made-up handle
// ("Visitor e8a6") is no name.
func greetName(name string) string {
	var kept []string
	for _, w := range strings.Fields(name) {
		if strings.ContainsRune(w, '@') || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			continue
		}
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || r == '\'' || r == '-' || r == '.' || r == '·' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	switch strings.ToLower(kept[0]) {
	case "visitor", "guest", "customer", "user", "访客", "游客", "顾客", "用户", "客户":
		return ""
	}
	return strings.Join(kept, " ")
}

// mailPhrases are botPhrases for a letter: "reply to this e-mail" where
// a chat says "here", and a little more formal. phraseBye is never sent
// (a thanks closes a mail chat quietly).
var mailPhrases = map[string][]string{
	copilot.LangZH: {
		phraseHint:           "如果以上内容没有解决您的问题，直接回复本邮件“转人工”，我们的同事会接手处理。",
		phraseClarify:        "抱歉，我没能完全理解您的问题。能否回复本邮件补充一些细节，比如订单号、商品和遇到的情况？如需人工客服，回复“转人工”即可。",
		phraseHandoff:        "这个问题我没法准确回答，已将您的邮件转交人工客服，同事会尽快回复本邮件。",
		phraseHandoffAsked:   "好的，已将您的邮件转交人工客服，同事会尽快回复本邮件。",
		phraseHandoffSorry:   "非常抱歉给您带来不好的体验。已将您的邮件优先转交人工客服，同事会尽快回复本邮件。",
		phraseHandoffNeutral: "已将您的邮件转交人工客服，同事会尽快回复本邮件。",
		phraseBye:            "不客气！如有其他问题，直接回复本邮件即可。",
	},
	copilot.LangEN: {
		phraseHint:           "If this does not answer your question, reply to this e-mail with \"human\" and a person from our team will take over.",
		phraseClarify:        "I'm sorry, I'm not sure I understood your question. Could you reply with a few more details: your order number, the item and what happened? If you would rather have a person look at it, reply with \"human\".",
		phraseHandoff:        "I can't answer this reliably, so I have passed your e-mail to a person on our team. They will reply to this e-mail shortly.",
		phraseHandoffAsked:   "Of course. I have passed your e-mail to a person on our team; they will reply to this e-mail shortly.",
		phraseHandoffSorry:   "I'm sorry about this. I have passed your e-mail to a person on our team with priority; they will reply to this e-mail shortly.",
		phraseHandoffNeutral: "I have passed your e-mail to a person on our team; they will reply to this e-mail shortly.",
		phraseBye:            "You're welcome! If anything else comes up, just reply to this e-mail.",
	},
}

// answerMail is the copilot's answer to a mail: the body first; when that
// is not sure enough and the mail opened the conversation, its subject
// may carry the question ("Shipping to Canada?" over "see subject"), so the
// subject with the body, and the subject alone under a short body (a
// dozen words), are asked too, and the surest answer wins.
func (b *bot) answerMail(ctx context.Context, cv copilot.Conversation, subject string) (copilot.Answer, error) {
	a, err := b.cfg.Answerer.Answer(ctx, cv)
	if err != nil || a.Confidence >= b.cfg.Threshold {
		return a, err
	}
	for _, alt := range subjectQuestions(cv, subject) {
		if other, err := b.cfg.Answerer.Answer(ctx, alt); err == nil && other.Text != "" && other.Confidence > a.Confidence {
			a = other
		}
	}
	return a, nil
}

// subjectQuestions are cv with the subject before (or, under a body of at
// most 12 words and 60 characters, instead of) its only customer message;
// none when the customer wrote more than once or the body already says it.
func subjectQuestions(cv copilot.Conversation, subject string) []copilot.Conversation {
	subject = strings.TrimSpace(subject)
	for {
		low := strings.ToLower(subject)
		cut := false
		for _, p := range []string{"re:", "fw:", "fwd:", "回复:", "回复：", "转发:", "转发："} {
			if strings.HasPrefix(low, p) {
				subject, cut = strings.TrimSpace(subject[len(p):]), true
				break
			}
		}
		if !cut {
			break
		}
	}
	first := -1
	for i, m := range cv.Messages {
		if m.Role != copilot.Role(protocol.AuthorCustomer) {
			continue
		}
		if first >= 0 {
			return nil // a later customer message: the subject is old news
		}
		first = i
	}
	if first < 0 || subject == "" || strings.Contains(cv.Messages[first].Text, subject) {
		return nil
	}
	with := func(text string) copilot.Conversation {
		alt := cv
		alt.Messages = append([]copilot.Message(nil), cv.Messages...)
		alt.Messages[first].Text = text
		return alt
	}
	body := cv.Messages[first].Text
	out := []copilot.Conversation{with(subject + "\n" + body)}
	if len(strings.Fields(body)) <= 12 && utf8.RuneCountInString(body) <= 60 {
		out = append(out, with(subject))
	}
	return out
}
