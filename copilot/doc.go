// Package copilot produces the AI half of the desk: insights for the handoff
// card (summary, sentiment and its trajectory, risk flags, intent, language)
// and reply drafts grounded in a knowledge base and in answers agents sent
// before. It knows nothing of websockets, the wire protocol or the terminal;
// the server's enrichment workers call it with its own Conversation type.
//
// # Using it
//
//	eng, err := copilot.New(copilot.Config{})            // offline, demo KB
//	eng, err := copilot.New(copilot.Config{               // any OpenAI-compatible endpoint
//		Provider: "openai", BaseURL: "http://localhost:11434/v1", Model: "qwen2.5",
//		KBDir: "/srv/kb", Timeout: 20 * time.Second, Concurrency: 4,
//	})
//
//	ins, err := eng.Insight(ctx, conv)                    // copilot.Insight
//	d, err := eng.Draft(ctx, conv, "shorter", func(d copilot.Delta) {
//		if d.Reset { /* discard what was shown */ }
//		/* append d.Text to the streaming draft */
//	})
//	err = eng.AddExemplar(copilot.Exemplar{ID: outcomeID, Question: q, Reply: sent, Outcome: copilot.Edited})
//	err = eng.ReloadKB()
//
// Conversation.ID keys "one generation in flight per conversation": a new
// Draft (or Insight) for the same ID cancels the running one, which returns
// ErrSuperseded. Every result carries Provenance (provider, model, prompt
// version, sources, the last message seq it saw, and a Fallback note when the
// remote model failed and the offline engine answered).
//
// Per message, SentimentFlags(text) gives the offline label, score and flags
// cheaply enough to run on every incoming customer message.
//
// # Providers
//
// The offline engine (the default) needs no model: lexicon and rule sentiment
// for Chinese and English with negation, intensifiers, contrast, punctuation
// and emoji; keyword risk flags; intent from the best knowledge-base match;
// an extractive summary; BM25 retrieval (character bigrams for Chinese,
// stemmed words for English) over the knowledge base and the exemplar
// memory; templated replies in the customer's language whose tone follows the
// sentiment.
//
// The openai provider uses go-openai against any OpenAI-compatible endpoint,
// with streaming drafts, JSON insights read by a tolerant parser, a timeout
// per generation, retries with backoff on 429/5xx honouring Retry-After, a
// concurrency limit, and fallback to the offline engine when the endpoint
// fails. Personal data (phones, resident IDs, bank cards, e-mails, postal
// addresses) is masked
// before anything leaves the process and restored locally in the draft;
// customer text is sent as delimited JSON data, never as instructions.
//
// # Feedback
//
// ExemplarMemory holds accepted and edited replies (with the customer turn
// they answered) as retrievable examples and rejected drafts as negatives.
// It is in memory only; the server persists outcomes and feeds them back with
// Load at start and Add as they arrive.
package copilot
