package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/agentdesk/agentdesk/keymap"
	"github.com/agentdesk/agentdesk/protocol"
	"github.com/agentdesk/agentdesk/tui/deskstate"
	"github.com/agentdesk/agentdesk/tui/dialog"
)

// handler performs one action, from a key or the command palette.
type handler func(m *Model, act keymap.Action) tea.Cmd

// Handler tables, one per view (lazygit's key → handler): perform looks
// an action up in them. A view's own keys (the queue's cursor, the
// transcript's scroll) are handled by its component first; what reaches
// these tables is what the desk does. The team board's table is
// boardHandlers (teamactions.go), behind teamAction's role check.
var (
	// globalHandlers: the whole desk: quit, redraw, focus, help, palette, status, views, notifications.
	globalHandlers = map[keymap.Action]handler{
		keymap.AppQuit:      (*Model).onAppQuit,
		keymap.AppRedraw:    (*Model).onAppRedraw,
		keymap.FocusNext:    (*Model).onFocusCycle,
		keymap.FocusPrev:    (*Model).onFocusCycle,
		keymap.HelpToggle:   (*Model).onHelpToggle,
		keymap.PaletteOpen:  (*Model).onPaletteOpen,
		keymap.StatusCycle:  (*Model).onStatusCycle,
		keymap.ViewDesk:     (*Model).onViewDesk,
		keymap.ViewTeam:     (*Model).onViewTeam,
		keymap.ViewReview:   (*Model).onViewReview,
		keymap.NotifyToggle: (*Model).onNotifyToggle,
	}
	// queueHandlers: the queue pane.
	queueHandlers = map[keymap.Action]handler{
		keymap.QueueUp:            (*Model).onQueueMove,
		keymap.QueueDown:          (*Model).onQueueMove,
		keymap.QueuePageUp:        (*Model).onQueueMove,
		keymap.QueuePageDown:      (*Model).onQueueMove,
		keymap.QueueTop:           (*Model).onQueueMove,
		keymap.QueueBottom:        (*Model).onQueueMove,
		keymap.QueueTabMine:       (*Model).onQueueMove,
		keymap.QueueTabUnassigned: (*Model).onQueueMove,
		keymap.QueueTabAll:        (*Model).onQueueMove,
		keymap.QueueTabNext:       (*Model).onQueueMove,
		keymap.QueueTabPrev:       (*Model).onQueueMove,
		keymap.QueueSelect:        (*Model).onQueueMove,
		keymap.QueueOpen:          (*Model).onQueueOpen,
		keymap.QueueClaim:         (*Model).onClaim,
		keymap.QueueNext:          (*Model).onQueueNext,
		keymap.QueueFilter:        (*Model).onQueueFilter,
		keymap.QueueFilterClear:   (*Model).onQueueFilterClear,
		keymap.QueueReassign:      (*Model).onQueueReassign,
	}
	// convHandlers: the open conversation and its draft.
	convHandlers = map[keymap.Action]handler{
		keymap.ConvClaim:         (*Model).onClaim,
		keymap.ConvScrollUp:      (*Model).onConvScroll,
		keymap.ConvScrollDown:    (*Model).onConvScroll,
		keymap.ConvPageUp:        (*Model).onConvScroll,
		keymap.ConvPageDown:      (*Model).onConvScroll,
		keymap.ConvTop:           (*Model).onConvScroll,
		keymap.ConvBottom:        (*Model).onConvScroll,
		keymap.ConvBack:          (*Model).onConvBack,
		keymap.ConvRelease:       (*Model).onConvRelease,
		keymap.ConvTransfer:      (*Model).onConvTransfer,
		keymap.ConvResolve:       (*Model).onConvResolve,
		keymap.ConvSnooze:        (*Model).onConvSnooze,
		keymap.ConvTakeover:      (*Model).onConvTakeover,
		keymap.ConvProfile:       (*Model).onCardToggle,
		keymap.DraftSources:      (*Model).onCardToggle,
		keymap.DraftAccept:       (*Model).onDraftAccept,
		keymap.DraftEdit:         (*Model).onDraftEdit,
		keymap.DraftEditExternal: (*Model).onDraftEditExternal,
		keymap.DraftReject:       (*Model).onDraftReject,
		keymap.DraftRegenerate:   (*Model).onDraftRegenerate,
		keymap.ConvOpenFile:      (*Model).onConvOpenFile,
	}
	// composeHandlers: the compose box.
	composeHandlers = map[keymap.Action]handler{
		keymap.ComposeReply:    (*Model).onCompose,
		keymap.ComposeNote:     (*Model).onCompose,
		keymap.ComposeSend:     (*Model).onComposeSend,
		keymap.ComposeCancel:   (*Model).onComposeCancel,
		keymap.ComposeExternal: (*Model).onComposeExternal,
		keymap.ComposeAttach:   (*Model).onComposeAttach,
		keymap.ComposeCanned:   (*Model).onComposeCanned,
	}
	// filterHandlers: the queue filter.
	filterHandlers = map[keymap.Action]handler{
		keymap.FilterApply:  (*Model).onFilterApply,
		keymap.FilterCancel: (*Model).onFilterCancel,
		keymap.FilterUp:     (*Model).onFilterUp,
		keymap.FilterDown:   (*Model).onFilterDown,
	}
	// rejectHandlers: rejecting with a reason straight from the palette.
	rejectHandlers = map[keymap.Action]handler{
		keymap.RejectWrongFacts:     (*Model).onRejectFromPalette,
		keymap.RejectWrongTone:      (*Model).onRejectFromPalette,
		keymap.RejectWrongLanguage:  (*Model).onRejectFromPalette,
		keymap.RejectUnsafe:         (*Model).onRejectFromPalette,
		keymap.RejectIncomplete:     (*Model).onRejectFromPalette,
		keymap.RejectShouldEscalate: (*Model).onRejectFromPalette,
		keymap.RejectOther:          (*Model).onRejectFromPalette,
	}
)

// handlers is every table merged, built once.
var handlers = map[keymap.Action]handler{}

func init() {
	team := map[keymap.Action]handler{}
	for act := range boardHandlers {
		team[act] = (*Model).teamAction
	}
	for _, t := range []map[keymap.Action]handler{globalHandlers, queueHandlers, convHandlers, composeHandlers,
		filterHandlers, rejectHandlers, team} {
		for act, h := range t {
			if _, dup := handlers[act]; dup {
				panic("tui: two handlers for " + string(act))
			}
			handlers[act] = h
		}
	}
}

// perform runs a named action: from a key, or from the command palette.
func (m *Model) perform(act keymap.Action) tea.Cmd {
	if keymap.ScopeOf(act) == keymap.ScopeReview {
		// From the palette elsewhere: the review view's actions are the
		// trainer's; open the view first (it says who it is for).
		var open tea.Cmd
		if m.lead.view != viewReview || m.review == nil {
			if open = m.openReview(); m.lead.view != viewReview {
				return open
			}
		}
		cmd, _ := m.review.Perform(act)
		return tea.Batch(open, cmd)
	}
	if m.desk.Me().Role == protocol.RoleTrainer && !m.mayAct(act) {
		// The server refuses these ("role trainer may not next"); say why
		// in words before anything is sent or queued.
		m.say(m.cat.NoticeTrainerReadOnly, true)
		return nil
	}
	if h, ok := handlers[act]; ok {
		return h(m, act)
	}
	// Keys that only mean something in a dialog, run from the palette.
	m.say(m.cat.NoticeNotHere, false)
	return nil
}

func (m *Model) onAppQuit(act keymap.Action) tea.Cmd {
	if m.quitAsked() {
		return tea.Quit // asked already: ctrl+c again quits
	}
	switch {
	case m.typing():
		m.push(m.confirmQuit(m.cat.QuitTyping))
		return nil
	case len(m.compose.kept) > 0: // closed with esc, or a chat taken away: in memory only
		m.push(m.confirmQuit(m.cat.QuitKept(len(m.compose.kept))))
		return nil
	case m.desk.Pending() > 0 && m.conn.State.String() != "online":
		m.push(m.confirmQuit(m.cat.QuitPending(m.desk.Pending())))
		return nil
	}
	return tea.Quit
}

func (m *Model) onAppRedraw(act keymap.Action) tea.Cmd {
	m.invalidate()
	return tea.ClearScreen
}

func (m *Model) onFocusCycle(act keymap.Action) tea.Cmd {
	order := []focus{focusQueue, focusConv, focusCopilot}
	i := 0
	for j, f := range order {
		if f == m.paneFocus {
			i = j
		}
	}
	if act == keymap.FocusNext {
		i = (i + 1) % len(order)
	} else {
		i = (i + len(order) - 1) % len(order)
	}
	m.setFocus(order[i])
	return nil
}

func (m *Model) onHelpToggle(act keymap.Action) tea.Cmd {
	m.push(m.helpDialog())
	return nil
}

func (m *Model) onPaletteOpen(act keymap.Action) tea.Cmd {
	m.push(m.paletteDialog())
	return nil
}

func (m *Model) onStatusCycle(act keymap.Action) tea.Cmd {
	next := map[string]string{protocol.StatusOnline: protocol.StatusAway, protocol.StatusAway: protocol.StatusOffline}[m.desk.Me().Status]
	if next == "" {
		next = protocol.StatusOnline
	}
	return m.setStatus(next)
}

func (m *Model) onViewDesk(act keymap.Action) tea.Cmd {
	return m.showDesk()
}

func (m *Model) onViewTeam(act keymap.Action) tea.Cmd {
	return m.showTeam()
}

func (m *Model) onViewReview(act keymap.Action) tea.Cmd {
	return m.openReview()
}

func (m *Model) onNotifyToggle(act keymap.Action) tea.Cmd {
	m.notifOn = !m.notifOn
	if m.notifOn {
		m.say(m.cat.NoticeNotifyOn, false)
	} else {
		m.say(m.cat.NoticeNotifyOff, false)
	}
	return nil
}

func (m *Model) onQueueMove(act keymap.Action) tea.Cmd {
	// From the palette: the queue's own keys do these.
	m.queueAction(act)
	return nil
}

func (m *Model) onQueueOpen(act keymap.Action) tea.Cmd {
	if c, ok := m.queue.Selected(); ok {
		return m.openConv(c.ID)
	}
	return nil
}

func (m *Model) onClaim(act keymap.Action) tea.Cmd {
	c, ok := m.target()
	if !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	// No version guard: the server refuses a claim once someone owns the
	// chat, and a copilot summary landing meanwhile must not fail it.
	be, id := m.be, c.ID
	return m.request(protocol.ReqClaim, id, func(ctx context.Context, r *resultMsg) error {
		var err error
		r.conv, err = be.Claim(ctx, id, 0)
		return err
	})
}

func (m *Model) onQueueNext(act keymap.Action) tea.Cmd {
	be := m.be
	return m.request(protocol.ReqNext, "", func(ctx context.Context, r *resultMsg) error {
		var err error
		r.conv, err = be.Next(ctx, "")
		return err
	})
}

func (m *Model) onQueueFilter(act keymap.Action) tea.Cmd {
	m.filter.SetValue(m.queue.Filter())
	m.filter.CursorEnd()
	m.setFocus(focusFilter)
	return m.filter.Focus()
}

func (m *Model) onQueueFilterClear(act keymap.Action) tea.Cmd {
	m.queue.SetFilter("")
	m.filter.SetValue("")
	return nil
}

func (m *Model) onQueueReassign(act keymap.Action) tea.Cmd {
	if !m.privileged() {
		m.say(m.cat.NoticeLeadOnly, true)
		return nil
	}
	ids := m.queue.Marked()
	if len(ids) == 0 {
		if c, ok := m.queue.Selected(); ok {
			ids = []string{c.ID}
		}
	}
	if len(ids) == 0 {
		m.say(m.cat.NoticeNoMark, true)
		return nil
	}
	m.push(m.reassignDialog(ids, dialog.Picker{}, nil, nil))
	return nil
}

func (m *Model) onConvScroll(act keymap.Action) tea.Cmd {
	m.transcriptAction(act)
	return nil
}

func (m *Model) onConvBack(act keymap.Action) tea.Cmd {
	m.setFocus(focusQueue)
	return nil
}

func (m *Model) onConvRelease(act keymap.Action) tea.Cmd {
	c, ok := m.workable()
	if !ok {
		return nil
	}
	m.setFocus(focusQueue)
	return m.enqueue(deskstate.Job{Kind: protocol.ReqRelease, ConvID: c.ID}, protocol.ConversationReq{ConversationID: c.ID})
}

func (m *Model) onConvTransfer(act keymap.Action) tea.Cmd {
	c, ok := m.workable()
	if !ok {
		return nil
	}
	m.push(m.transferDialog(c.ID))
	return nil
}

func (m *Model) onConvResolve(act keymap.Action) tea.Cmd {
	c, ok := m.workable()
	if !ok {
		return nil
	}
	m.push(m.resolveDialog(c.ID))
	return nil
}

func (m *Model) onConvSnooze(act keymap.Action) tea.Cmd {
	c, ok := m.workable()
	if !ok {
		return nil
	}
	m.push(m.snoozeDialog(c.ID))
	return nil
}

func (m *Model) onConvTakeover(act keymap.Action) tea.Cmd {
	if !m.privileged() {
		m.say(m.cat.NoticeLeadOnly, true)
		return nil
	}
	c, ok := m.openConversation()
	if !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	return m.takeover(c.ID, c.Version) // teamactions.go
}

func (m *Model) onCardToggle(act keymap.Action) tea.Cmd {
	if _, ok := m.openConversation(); !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	if act == keymap.ConvProfile {
		m.showProfile = !m.showProfile
	} else {
		m.showSources = !m.showSources
	}
	if m.lay.stacked || m.focus == focusConv {
		m.setFocus(focusCopilot)
	}
	return nil
}

func (m *Model) onCompose(act keymap.Action) tea.Cmd {
	c, ok := m.openConversation()
	if !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	if act == keymap.ComposeReply && !m.mine(c) {
		m.say(m.cat.NoticeNotYours, true)
		return nil
	}
	mode := composeReply
	if act == keymap.ComposeNote {
		mode = composeNote
	}
	return m.startCompose(mode, c.ID, protocol.Draft{}, "")
}

func (m *Model) onDraftAccept(act keymap.Action) tea.Cmd {
	c, d, ok := m.openDraft()
	if !ok {
		return nil
	}
	if ask := m.confirmAccept(c, d); ask != nil { // confirm.go
		m.push(ask)
		return nil
	}
	return m.recordOutcome(d, protocol.ActionAccept, "", "", "")
}

func (m *Model) onDraftEdit(act keymap.Action) tea.Cmd {
	c, d, ok := m.openDraft()
	if !ok {
		return nil
	}
	return m.startCompose(composeEdit, c.ID, d, d.Text)
}

func (m *Model) onDraftEditExternal(act keymap.Action) tea.Cmd {
	c, d, ok := m.openDraft()
	if !ok {
		return nil
	}
	cmd := m.startCompose(composeEdit, c.ID, d, d.Text)
	return tea.Batch(cmd, m.openEditor(d.Text))
}

func (m *Model) onDraftReject(act keymap.Action) tea.Cmd {
	_, d, ok := m.openDraft()
	if !ok {
		return nil
	}
	m.push(dialog.NewReject(m.env(), func(reason, note string) tea.Cmd {
		return m.recordOutcome(d, protocol.ActionReject, "", reason, note)
	}))
	return nil
}

func (m *Model) onDraftRegenerate(act keymap.Action) tea.Cmd {
	c, ok := m.openConversation()
	if !ok {
		m.say(m.cat.NoConversation, true)
		return nil
	}
	// The server lets anyone who may work it regenerate: one's own and
	// queued conversations (leads: any).
	if c.Assignee != "" && !m.mine(c) {
		m.say(m.cat.NoticeNotYours, true)
		return nil
	}
	id := c.ID
	m.push(dialog.NewRegen(m.env(), m.regenPicks(), func(instruction string) tea.Cmd {
		return m.regenerate(id, instruction)
	}))
	return nil
}

func (m *Model) onComposeSend(act keymap.Action) tea.Cmd {
	return m.sendCompose()
}

func (m *Model) onComposeCancel(act keymap.Action) tea.Cmd {
	m.cancelCompose()
	return nil
}

func (m *Model) onComposeExternal(act keymap.Action) tea.Cmd {
	if m.focus != focusCompose {
		m.say(m.cat.NoticeNothingToSend, true)
		return nil
	}
	return m.openEditor(m.compose.ta.Value())
}

func (m *Model) onComposeAttach(act keymap.Action) tea.Cmd {
	return m.attachFile() // files.go
}

func (m *Model) onConvOpenFile(act keymap.Action) tea.Cmd {
	return m.openFile()
}

func (m *Model) onComposeCanned(act keymap.Action) tea.Cmd {
	if m.focus != focusCompose {
		m.say(m.cat.NoticeNothingToSend, true)
		return nil
	}
	m.push(m.cannedDialog())
	return nil
}

func (m *Model) onFilterApply(act keymap.Action) tea.Cmd {
	m.filter.Blur()
	m.setFocus(focusQueue)
	return nil
}

func (m *Model) onFilterCancel(act keymap.Action) tea.Cmd {
	m.filter.Blur()
	m.filter.SetValue("")
	m.queue.SetFilter("")
	m.setFocus(focusQueue)
	return nil
}

func (m *Model) onFilterUp(act keymap.Action) tea.Cmd {
	m.queue.Move(-1)
	return nil
}

func (m *Model) onFilterDown(act keymap.Action) tea.Cmd {
	m.queue.Move(1)
	return nil
}

func (m *Model) onRejectFromPalette(act keymap.Action) tea.Cmd {
	// From the palette: reject the open draft with this reason at once.
	_, d, ok := m.openDraft()
	if !ok {
		return nil
	}
	return m.recordOutcome(d, protocol.ActionReject, "", keymap.RejectReasons[act], "")
}
