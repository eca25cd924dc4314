package email

import (
	"regexp"
	"strings"
)

// Reply stripping: a customer's answer arrives with the whole thread quoted
// under it and a signature above that. The desk wants only what is new. The
// cut is made at the first line that starts the quoted part or the
// signature, in the forms the common clients write, in English and Chinese:
//
//	On Mon, 1 Jan 2024 at 10:00, Shop <help@shop.com> wrote:   (Gmail, Apple Mail, Thunderbird; may wrap)
//	在 2024年1月1日 10:00，客服 <help@shop.com> 写道：            (Gmail, Apple Mail in Chinese)
//	于 2024-01-01 10:00 客服 写道： / 寫道：                        (Foxmail, Traditional Chinese)
//	-----Original Message----- / ------------------ 原始邮件 ------------------
//	From: … Sent: … / 发件人: … 发送时间: …                         (Outlook, QQ Mail, NetEase)
//	________________________________ followed by From:/发件人:    (Outlook web)
//	"-- " (RFC 3676 signature), "Sent from my iPhone", "发自我的iPhone"
//
// and a trailing block of "> " lines. Inline answers between quoted lines
// are kept whole: only a quote with nothing new after it is dropped.

var (
	onWrote     = regexp.MustCompile(`(?i)^\s*(on|le|am)\s.{4,300}\s(wrote|a écrit|schrieb)\s*:\s*$`)
	zhWrote     = regexp.MustCompile(`^\s*(在|于|於).{2,300}(写道|寫道)\s*[：:]\s*$`)
	origMessage = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|forwarded message|原始邮件|原始郵件|转发的邮件|原邮件)\s*-{2,}\s*$`)
	underscores = regexp.MustCompile(`^\s*_{10,}\s*$`)
	fromLine    = regexp.MustCompile(`(?i)^\s*\**\s*(from|发件人|寄件者|發件人)\s*\**\s*[:：]`)
	sentLine    = regexp.MustCompile(`(?i)^\s*\**\s*(sent|date|to|subject|发送时间|时间|日期|收件人|主题|寄件日期|傳送時間)\s*\**\s*[:：]`)
	mobileSig   = regexp.MustCompile(`(?i)^\s*(sent from my \S+.*|get outlook for \S+.*|发自我的\s*\S+.*|从我的\s*\S+\s*发送|來自我的\s*\S+.*)$`)
)

// StripReply returns the new part of a reply: text above the quoted thread
// and the signature. When nothing would be left it returns the text as it
// was (trimmed): a message that is all quote is better shown than lost.
func StripReply(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		switch {
		case l == "-- " || l == "--":
		case onWrote.MatchString(l), zhWrote.MatchString(l), origMessage.MatchString(l):
		case strings.HasPrefix(strings.TrimSpace(l), "On ") && onWrote.MatchString(l+" "+next):
		case zhWrote.MatchString(l + next):
		case underscores.MatchString(l) && fromLine.MatchString(firstNonBlank(lines[i+1:])):
		case fromLine.MatchString(l) && headerBlockFollows(lines[i+1:]):
		case mobileSig.MatchString(l) && onlyBlankOrQuoted(lines[i+1:]):
		default:
			continue
		}
		cut = i
		break
	}
	lines = lines[:cut]
	// A trailing quote with nothing new after it.
	end := len(lines)
	for end > 0 && (strings.TrimSpace(lines[end-1]) == "" || strings.HasPrefix(strings.TrimSpace(lines[end-1]), ">")) {
		end--
	}
	out := strings.TrimSpace(strings.Join(lines[:end], "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

func firstNonBlank(lines []string) string {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

// headerBlockFollows: a "From:" line is a quoted header only when more
// header lines (Sent:, To:, Subject:, 发送时间:) follow within a few lines,
// so "From: the warehouse, it never left" in the customer's own words stays.
func headerBlockFollows(lines []string) bool {
	for i, l := range lines {
		if i >= 4 {
			break
		}
		if sentLine.MatchString(l) {
			return true
		}
	}
	return false
}

func onlyBlankOrQuoted(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, ">") && !onWrote.MatchString(t) && !zhWrote.MatchString(t) {
			return false
		}
	}
	return true
}
