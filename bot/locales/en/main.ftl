## Customer: greeting and menu
start-greeting = Hello, { $name }! I'm the { $shop } assistant. Ask me anything, or choose below. Free text always works.
help-text = I can answer questions, take a return (no receipt needed), record a complaint, or put you through to a person.
    Commands: /menu shows the menu, /cancel stops what we're doing, /language switches the language.
menu-prompt = What can I do for you?
menu-ask = ❓ Ask a question
menu-return = ↩️ Return a product
menu-complaint = 📝 Make a complaint
menu-person = 👤 Talk to a person
menu-callback = 📞 Request a callback
menu-requests = 📋 My requests
cancelled = Cancelled. What else can I do for you?
nothing-to-cancel = There's nothing to cancel. What can I do for you?

## Errors
error-generic = Sorry, something went wrong on our side. Your message is saved and a person will see it.

## Command menu
command-start = Start over
command-menu = Show the menu
command-help = What I can do
command-cancel = Cancel the current step
command-console = Sign in to the service console
command-stats = Service figures: today and this week
command-log = A customer's or ticket's log as a file

## Customer: handoff
unsupported-content = Sorry, I can't read that kind of message. Please write in words, or choose from the menu — or tap "Talk to a person".
conversation-resolved = We've marked your request as resolved. If anything is still wrong, just write here.

## Tickets
ticket-status-new = new
ticket-status-pending = waiting for a decision
ticket-status-approved = approved
ticket-status-in_progress = in progress
ticket-status-resolved = resolved
ticket-status-rejected = rejected

## Staff: topic
staff-context-card = 👤 { $name } ({ $username }, id { $id }) · language: { $language }
    Open requests: { $tickets }
    Why here: { $reason }
    Reply in this topic to answer; start with // for an internal note. Commands: /resolve /reopen /escalate /canned
handoff-reason-customer = the customer is talking to staff
handoff-reason-unhandled = the bot could not handle the message
handoff-reason-person = the customer asked for a person
handoff-reason-faq_miss = no confident FAQ answer
handoff-reason-faq_unhelpful = the FAQ answer didn't help
handoff-reason-flow = a scripted flow ended with "talk to a person"
handoff-reason-callback = the customer asked for a callback
handoff-reason-complaint = a new complaint
handoff-reason-return = a return needs a decision
staff-unknown-command = Unknown command: nothing was sent to the customer. Commands: /resolve /reopen /escalate /canned /note /pause /resume
staff-free-text-off = Free-text answers are turned off by policy: choose a prepared answer with /canned.
staff-customer-blocked-bot = The customer has blocked the bot; the message could not be delivered.
staff-resolved = ✅ Resolved. The customer was told.
staff-resolved-not-told = ✅ Resolved. The customer has blocked the bot, so they were not told.
staff-abusive-closed = 🚫 Closed as abusive: the bot found an insult ({ $matched }). The customer was told goodbye; nothing is relayed to them or from them until a manager reopens (/reopen). What they wrote, copied for staff only:
    { $text }
staff-abusive-later = 🚫 Closed as abusive, not relayed. The customer wrote:
    { $text }
staff-rating-comment = 💬 The customer rated the conversation { $score }/5 and wrote: { $comment }
staff-resolved-complaints = Resolved with it: complaint { $numbers }.
staff-resolved-returns-pending = Still waiting for your decision: return { $numbers }.
staff-reopened = 🔄 Reopened.
staff-escalated = ⬆️ Escalated to managers ({ $count } notified).
error-conversation-closed = This conversation is resolved. Use /reopen to continue it.
error-conversation-open = This conversation is still open.

## Managers
alert-escalated = ⬆️ Escalation: { $customer } (id { $id }), by { $by }.
    Note: { $note }
    Topic: { $link }
staff-canned-pick = Choose an answer (the customer reads { $customer_language }):
staff-canned-sent = Sent.
staff-canned-sent-by = 📤 Canned answer "{ $title }" sent by { $by }.
staff-canned-preview = Canned answer "{ $title }" — the customer will read ({ $customer_language }):

    { $text }
staff-canned-send = ✅ Send to the customer
staff-canned-back = ⬅️ Other answers
stale-button = This button is no longer active.
staff-context-detail = Customer's words: { $detail }

## Customer: FAQ and people
faq-ask-prompt = Choose a topic below, or type your question in your own words — I'll look for the answer.
faq-did-it-help = Did this help?
faq-helped-yes = 👍 Yes
faq-helped-no = 👎 No
faq-glad = Glad it helped! Anything else?
faq-sorry-offer-person = Sorry about that. Shall I bring in a person?
faq-not-sure = I'm not sure I have the right answer, so I've passed your question to a person rather than guess. They'll reply here.
faq-off-topic = I don't think that's something I can help with here — I answer questions about this shop. If you'd like, a person can take a look.
person-connecting = I've passed your conversation to our staff. A person will reply here shortly.

## Customer: language and requests
language-name = 🇬🇧 English
language-prompt = Choose your language:
language-set = Done — I'll speak English.
requests-none = You have no returns or complaints with us yet.
requests-header = Your requests:
requests-line-return = ↩️ Return { $number } from { $date }: { $status }
requests-line-complaint = 📝 Complaint { $number } from { $date }: { $status }

## Customer: returns
return-start = Let's arrange a return. You don't need a receipt. What are you returning? Describe it in a few words.
return-ask-when = Roughly when did you buy it?
return-when-this_week = This week
return-when-this_month = This month
return-when-earlier = Earlier
return-when-unsure = Not sure
return-ask-reason = Why are you returning it?
return-reason-defective = Defective
return-reason-damaged = Damaged in delivery
return-reason-wrong_item = Wrong item
return-reason-not_fit = Doesn't fit / not as described
return-reason-changed_mind = Changed my mind
return-reason-other = Other
return-ask-photo = If you can, send a photo of the item. Or skip this step.
return-photo-skip = Skip
return-ask-amount = How much did you pay for it? Just the number is fine.
return-bad-amount = I couldn't read that as an amount. Please send just the number, e.g. 450.
return-need-text = Please answer in words (or send /cancel to stop).
return-need-button = Please choose one of the buttons above (or send /cancel to stop).
return-approved = ✅ Your return { $number } is approved. No receipt needed, no questions asked.
return-pending = Thank you. Your return { $number } is with our staff for a decision — usually within { $hours } working hours. I'll let you know here.
return-staff-approved = ✅ Good news: your return { $number } is approved.
return-staff-rejected = We're sorry, your return { $number } could not be approved. A member of staff will explain why and what we can do instead.
refund-ask = How would you like your money back?
refund-card = 💳 To my card
refund-cash = 💵 Cash at the pickup point
refund-credit = 🎁 Store credit
refund-chosen = Return { $number }: refund by { $method }. Thank you!
ticket-already-decided = This request has already been decided.
ticket-bad-transition = This request can't move to that status from where it is now.

## Customer: complaints
complaint-start = I'm sorry something went wrong. Please tell us what happened — in as much detail as you like.
complaint-ask-photos = Thank you for telling us. If you have photos, send them now; then press the button.
complaint-send = Send the complaint
complaint-photo-added = Photo added ({ $count }). Send more, or press the button.
complaint-too-many-photos = That's the most photos we can take at once ({ $max }). Please press the button to send.
complaint-need-text = Please describe what happened in words, or send photos (or /cancel to stop).
complaint-registered = Your complaint { $number } is registered. We've heard you, and we're sorry for the trouble. Our staff are looking into it and will keep you posted here.
complaint-status-changed = Your complaint { $number } is now: { $status }.

## Staff: tickets
staff-return-card = ↩️ Return { $number } — { $status }
    Item: { $item }
    Bought: { $when }
    Reason: { $reason }
    Amount: { $amount }
staff-approve = ✅ Approve
staff-reject = ❌ Reject
staff-decision-saved = Saved.
staff-decided-by = Decided by { $by }.
staff-complaint-card = 📝 Complaint { $number } — { $status }
    { $text }
    Photos: { $photos }
staff-complaint-to-in_progress = 🔧 In progress
staff-complaint-to-resolved = ✅ Resolved
staff-complaint-to-rejected = ❌ Rejected
customer-blocked = Sorry, we can no longer continue this conversation here. A manager has the details of your case; for anything urgent please contact the shop directly.

## Customer: callback
callback-ask-phone = We'll call you back. Tap the button to share your phone number — or write a number or a convenient time instead.
callback-share-phone = 📱 Share my phone number
callback-no-phone = ✍️ Write to me here instead
callback-own-number = Please share your own number with the button below.
callback-detail = Call back on { $phone }
callback-promised = Thank you! You're on our callback list; a member of staff will contact you shortly.
after-hours-promise = We're closed right now, but your message is with our staff. A person will contact you by { $due } at the latest. Tap the button to share your phone number if you'd rather we call.
callback-promised-by = Thank you! We're closed right now; you're on our callback list, and a member of staff will contact you by { $due } at the latest.
after-hours-noted = We're closed right now, but your request is with our staff. A person will contact you by { $due } at the latest.
staff-context-callback = ⏰ After hours: promised contact by { $due }.
