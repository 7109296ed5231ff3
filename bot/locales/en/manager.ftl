## Managers: console, /stats and /log
manager-command-refused = Sorry, this command is for managers only.
manager-console-link = Your sign-in link to the service console (it works once and expires in { $minutes } min):
    { $url }
    Don't forward it: whoever opens it first is signed in as you.
manager-console-off = The web console is turned off on this bot. The owner turns it on with CONSOLE_SECRET (and CONSOLE_PORT, if it was set to 0).
manager-stats-today = Today
manager-stats-week = This week (since Monday)
manager-stats = 📊 { $title }
    Conversations opened: { $opened } · FAQ answers: { $faq } · handoffs to a person: { $handoffs }
    First response: median { $frt_median }, 90th percentile { $frt_p90 }
    Replies within { $reply_sla }: { $reply }
    Callbacks before { $callback_deadline }: { $callback }
    Resolution: median { $resolution }
    Complaints: { $complaints_opened } opened, { $complaints_resolved } resolved
    Follow-ups: { $follow_ups } sent, { $follow_ups_problem } with a problem
    Satisfaction: { $csat } ({ $ratings } ratings)
    Escalations: { $escalations }
manager-stats-none = —
manager-stats-rate = { $percent }% ({ $kept } of { $total })
manager-unit-seconds = { $value } s
manager-unit-minutes = { $value } min
manager-unit-hours = { $value } h
manager-unit-days = { $value } d
manager-log-usage = Send /log with a customer's Telegram id or a ticket number, e.g. /log 710004 or /log R-000012.
manager-log-not-found = Nothing found for { $what }.
manager-log-caption = Log for { $what }: { $count } conversation(s).
