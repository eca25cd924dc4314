package copilot

// CustomerAsk is what the customer wants, as the summary's first line says
// it: the conversation's main request — not a follow-up ("Can you
// check?"), a greeting or a call for a person. lang is the conversation's
// language (LangZH or another); empty when the customer said nothing. A
// knowledge-base entry promoted from a conversation takes it as its
// question.
func CustomerAsk(c Conversation, lang string) string {
	turns := customerTurns(c)
	if len(turns) == 0 {
		return ""
	}
	return summaryAsk(turns, lang == LangZH)
}
