## Managers: console, /stats and /log
manager-command-refused = Извините, эта команда только для менеджеров.
manager-console-link = Ваша ссылка для входа в консоль сервиса (работает один раз, действует { $minutes } мин):
    { $url }
    Не пересылайте её: кто откроет первым, войдёт от вашего имени.
manager-console-off = Веб-консоль у этого бота выключена. Владелец включает её переменной CONSOLE_SECRET (и CONSOLE_PORT, если он равен 0).
manager-stats-today = Сегодня
manager-stats-week = Эта неделя (с понедельника)
manager-stats = 📊 { $title }
    Новых обращений: { $opened } · ответов из FAQ: { $faq } · передано людям: { $handoffs }
    Первый ответ: медиана { $frt_median }, 90-й перцентиль { $frt_p90 }
    Ответы в срок ({ $reply_sla }): { $reply }
    Перезвоны до { $callback_deadline }: { $callback }
    Решение: медиана { $resolution }
    Жалобы: открыто { $complaints_opened }, решено { $complaints_resolved }
    Повторные контакты: отправлено { $follow_ups }, с проблемой { $follow_ups_problem }
    Удовлетворённость: { $csat } (оценок: { $ratings })
    Эскалации: { $escalations }
manager-stats-none = —
manager-stats-rate = { $percent }% ({ $kept } из { $total })
manager-unit-seconds = { $value } с
manager-unit-minutes = { $value } мин
manager-unit-hours = { $value } ч
manager-unit-days = { $value } д
manager-log-usage = Отправьте /log с Telegram id клиента или номером заявки, например /log 710004 или /log R-000012.
manager-log-not-found = По запросу { $what } ничего не найдено.
manager-log-caption = Журнал по { $what }: обращений — { $count }.
