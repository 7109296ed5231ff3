## Service rules: alerts, lists, summaries (staff language) and customer notes
duty-nobody = nobody is on duty!
alert-reply-topic = ⏱ The customer has waited { $minutes } without an answer. On duty:
alert-reply-manager = ⏱ Reply promise ({ $reply_sla }) broken: { $customer } (id { $id }) has waited { $minutes }.
    Topic: { $link }
alert-reply-manager-second = 🚨 STILL UNANSWERED: { $customer } (id { $id }) has waited { $minutes }. Please step in.
    Topic: { $link }
reply-holding = Thank you for waiting — we've seen your message and a person will answer very soon.
alert-callback-missed = 📞 Callback promise broken: { $customer } (id { $id }, phone { $phone }) was to be contacted by { $due }.
    Topic: { $link }
alert-complaint-overdue = 📝 Complaint { $number } from { $customer } (id { $id }) is not resolved in time.
    Topic: { $link }
alert-return-overdue = ↩️ Return { $number } from { $customer } (id { $id }) still waits for a decision.
    Topic: { $link }
alert-insult = 🛑 { $customer } (id { $id }) was abusive; the conversation is closed. Their messages are kept but not relayed until a manager reopens it (/reopen in the topic).
    Transcript: { $link } · /log { $id }
alert-low-rating = ⭐ Low rating { $score }/5 from { $customer } (id { $id }).
    Topic: { $link }
alert-rating-comment = 💬 { $customer } (id { $id }) explained their low rating { $score }/5: { $comment }
    Topic: { $link }
alert-follow-up-problem = 🔁 { $customer } (id { $id }) says { $number } is still a problem.
    Topic: { $link }
alert-nobody-on-duty = 👥 Nobody is on duty in the staff chat during working hours. Customers' replies are waiting for someone to send /duty on.
follow-up-question = A couple of days ago we resolved your request { $number }. Is everything all right now?
follow-up-ok = 👍 All good
follow-up-problem = 👎 Still a problem
follow-up-thanks = Thank you for letting us know!
follow-up-sorry = We're sorry it's still not right. A manager will look into it personally and get back to you here.
morning-list-header = ☀️ Good morning! { $count } customer(s) wrote after hours and are waiting for a call or a message:
morning-list-line = • { $customer } · phone { $phone } · by { $due } · { $link }
morning-list-done = ✅ Done: { $customer }
morning-list-marked = Marked as contacted.
daily-summary = 📊 Day summary { $date }
    Customer messages: { $messages }
    Response time (median): { $median }
    Replies within { $reply_sla }: { $compliance }
    Callbacks kept: { $callbacks }
    Breaches: { $breaches }
    Escalations: { $escalations }
    Open complaints: { $complaints }
    Average rating: { $rating }
duty-now-on = 🟢 { $name } is on duty.
duty-now-off = ⚪ { $name } is off duty.
duty-list = On duty: { $names }
duty-usage = Use /duty on, /duty off, or /duty to see who is on duty.
insult-goodbye = We want to help, but we can't continue a conversation with insults. We're ending this chat now; a manager will review it and be in touch.
staff-abuse-done = 🛑 Marked as abusive; the customer was told and managers notified.
staff-abuse-already = This conversation is already marked abusive.
staff-manager-only = Only a manager can do this.
staff-banned = ⛔ Customer blocked.
staff-unbanned = ✅ Customer unblocked.
staff-abuse-lifted = 🔓 Reopened: the customer's messages will be relayed again.
rating-ask = How did we do? Please rate this conversation:
rating-thanks = Thank you for your rating! If you'd like to add a comment, just write it now — or tap the button.
rating-thanks-low = Thank you for being honest. We're sorry we let you down — a manager will review your conversation. If you'd like, tell us what went wrong.
rating-skip-comment = No comment
rating-comment-saved = Thank you, your comment has been passed on.
rating-already = Thank you — you've already rated this conversation.
