// Sandbox page: play customers (left) and the staff group (right) against the emulated Telegram.
// All state comes from the emulator's /_emu/feed long poll; actions go to /_emu/ endpoints.
"use strict";

const GENERAL = 0;
const TOPIC_COLORS = {
  7322096: "#6FB9F0", 16766590: "#FFD67E", 13338331: "#CB86DB",
  9367192: "#8EEE98", 16749490: "#FF93B2", 16478047: "#FB6F5F",
};
const ACTIONS = {
  typing: "typing…", upload_photo: "sending a photo…", upload_document: "sending a file…",
  record_voice: "recording a voice message…", upload_voice: "sending a voice message…",
  record_video: "recording a video…", upload_video: "sending a video…",
  choose_sticker: "choosing a sticker…", find_location: "finding a location…",
};
const DEMO_LOCATION = { latitude: 55.7558, longitude: 37.6173 };

const state = {
  epoch: "", cursor: 0, calls: 0,
  bot: null, group: null,
  users: [], topics: [], chats: new Map(),
  messages: new Map(),           // "chat:message" -> feed item
  errors: [],
  pending: 0,
  pendingSince: null,
  customerId: null, staffId: null, threadId: GENERAL,
  seen: new Map(),               // thread id -> last message id seen by the staff pane
  hideKeyboard: false,
  pane: "customer",
};

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ ok: false, error: response.statusText }));
  if (!data.ok) throw new Error(data.error || "request failed");
  return data.result;
}

function fail(error) {
  showAlert(error.message || String(error));
}

// ---- the feed ----------------------------------------------------------------------------

async function pollForever() {
  for (;;) {
    try {
      const query = `since=${state.cursor}&epoch=${state.epoch}&calls=${state.calls}&timeout=25`;
      const feed = await api("GET", `/_emu/feed?${query}`);
      setConnection(true);
      apply(feed);
    } catch (error) {
      setConnection(false);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

function apply(feed) {
  if (feed.full) {
    state.messages.clear();
    state.errors = [];
  }
  state.epoch = feed.epoch;
  state.cursor = feed.cursor;
  state.calls = feed.calls;
  state.bot = feed.bot;
  state.pending = feed.pending_updates;
  state.group = feed.group;
  state.users = feed.users;
  state.topics = feed.topics;
  state.chats = new Map(feed.chats.map((chat) => [chat.id, chat]));
  for (const item of feed.messages) state.messages.set(`${item.chat_id}:${item.message_id}`, item);
  for (const gone of feed.deleted) state.messages.delete(`${gone.chat_id}:${gone.message_id}`);
  state.errors = state.errors.concat(feed.errors).slice(-50);
  for (const notice of feed.notices) showNotice(notice);
  if (!state.users.some((u) => u.id === state.customerId)) state.customerId = null;
  if (!state.users.some((u) => u.id === state.staffId)) state.staffId = null;
  if (state.threadId !== GENERAL && !state.topics.some((t) => t.message_thread_id === state.threadId)) {
    state.threadId = GENERAL;
  }
  state.customerId ??= customers()[0]?.id ?? null;
  state.staffId ??= staff()[0]?.id ?? null;
  render();
}

function setConnection(live) {
  const conn = $("#conn");
  conn.textContent = live ? "live" : "offline";
  conn.className = `pill ${live ? "live" : "bad"}`;
}

// ---- selectors ---------------------------------------------------------------------------

const customers = () => state.users.filter((u) => !u.staff);
const staff = () => state.users.filter((u) => u.staff);
const userName = (u) => [u.first_name, u.last_name].filter(Boolean).join(" ");

function chatMessages(chatId, threadId) {
  const items = [];
  for (const item of state.messages.values()) {
    if (item.chat_id !== chatId) continue;
    if (threadId !== undefined && (item.thread_id ?? GENERAL) !== threadId) continue;
    items.push(item);
  }
  return items.sort((a, b) => a.message_id - b.message_id);
}

// ---- rendering ---------------------------------------------------------------------------

function render() {
  $("#bot-name").textContent = state.bot ? `@${state.bot.username}` : "";
  $("#group-title").textContent = state.group ? state.group.title : "Staff";
  renderStatus();
  renderCustomer();
  renderStaff();
}

function renderStatus() {
  const pendingCount = state.pending;
  const pending = $("#pending");
  // Updates wait a moment while the bot fetches them; only say so when they stay waiting.
  if (pendingCount === 0) state.pendingSince = null;
  else state.pendingSince ??= Date.now();
  pending.hidden = pendingCount === 0 || Date.now() - state.pendingSince < 3000;
  pending.textContent = `${pendingCount} update${pendingCount === 1 ? "" : "s"} waiting for the bot`;
  pending.title = "The bot has not fetched these yet: is it running and pointed at this emulator?";
  const errors = $("#errors");
  errors.hidden = state.errors.length === 0;
  $("summary", errors).textContent = `${state.errors.length} rejected call${state.errors.length === 1 ? "" : "s"}`;
  $("ol", errors).replaceChildren(
    ...state.errors.slice().reverse().map((e) => el("li", {}, el("b", {}, e.method), " ", el("code", {}, e.error || `HTTP ${e.status}`))),
  );
}

function userOption(u, selected) {
  const label = `${userName(u)}${u.language_code ? ` · ${u.language_code}` : ""}${u.blocked ? " · blocked the bot" : ""}`;
  return el("option", { value: u.id, selected: u.id === selected }, label);
}

function fillSelect(select, users, selected, emptyLabel) {
  const options = users.map((u) => userOption(u, selected));
  if (!options.length) options.push(el("option", { value: "" }, emptyLabel));
  select.replaceChildren(...options);
}

// Customers first; staff too, since managers get direct messages from the bot.
function fillPrivateSelect(select, selected) {
  const groups = [];
  if (customers().length) groups.push(el("optgroup", { label: "Customers" }, customers().map((u) => userOption(u, selected))));
  if (staff().length) groups.push(el("optgroup", { label: "Staff (private chat with the bot)" }, staff().map((u) => userOption(u, selected))));
  if (!groups.length) groups.push(el("option", { value: "" }, "No customers yet — create one"));
  select.replaceChildren(...groups);
}

function renderCustomer() {
  fillPrivateSelect($("#customer-select"), state.customerId);
  if (!customers().length && !state.formShown) {
    state.formShown = true;
    openForm("#customer-form");
  }
  const user = state.users.find((u) => u.id === state.customerId);
  const block = $("#block-toggle");
  block.disabled = !user;
  block.textContent = user?.blocked ? "Unblock" : "Block";
  $("#customer-title").replaceChildren(
    state.bot ? state.bot.first_name : "Bot",
    el("small", {}, user ? `chat with ${userName(user)}` : ""),
  );
  const container = $("#customer-messages");
  const items = user ? chatMessages(user.id) : [];
  renderMessages(container, items, {
    mineId: user?.id,
    actor: user?.id,
    empty: user ? "Say hello, or send /start." : "Create a customer to start chatting.",
  });
  const chat = user ? state.chats.get(user.id) : null;
  renderTyping($("#customer-typing"), chat, undefined);
  renderReplyKeyboard(chat?.reply_keyboard ?? null);
  for (const control of $("#customer-composer").elements) control.disabled = !user;
}

function renderReplyKeyboard(markup) {
  const box = $("#reply-keyboard");
  const toggle = $("#keyboard-toggle");
  toggle.hidden = !markup;
  if (!markup || state.hideKeyboard) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    ...markup.keyboard.map((row) => el("div", { class: "row" }, row.map((button) => el("button", {
      type: "button",
      onclick: () => pressReplyButton(button).catch(fail),
    }, button.request_contact ? `📞 ${button.text}` : button.request_location ? `📍 ${button.text}` : button.text)))),
  );
  if (markup.input_field_placeholder) $("#customer-composer textarea").placeholder = markup.input_field_placeholder;
}

function renderStaff() {
  const members = staff();
  fillSelect($("#staff-select"), members, state.staffId, "No staff yet — add one");
  const groupId = state.group?.id;
  const topics = state.topics.slice().sort((a, b) => lastActivity(b) - lastActivity(a));
  const entries = [{ message_thread_id: GENERAL, name: "General", icon_color: null }, ...topics];
  let unreadTotal = 0;
  $("#topic-list").replaceChildren(...entries.map((topic) => {
    const id = topic.message_thread_id;
    const items = groupId === undefined ? [] : chatMessages(groupId, id);
    const last = items[items.length - 1];
    if (id === state.threadId && staffVisible()) state.seen.set(id, last?.message_id ?? 0);
    const unread = items.filter((i) => i.message_id > (state.seen.get(id) ?? Infinity)).length;
    if (!state.seen.has(id)) state.seen.set(id, last?.message_id ?? 0);
    unreadTotal += unread;
    return el("li", {}, el("button", {
      type: "button",
      "aria-current": id === state.threadId ? "true" : "false",
      onclick: () => { state.threadId = id; renderStaff(); },
    },
    el("span", { class: "name" },
      topic.icon_color ? el("span", { class: "dot", style: `background:${TOPIC_COLORS[topic.icon_color] || "#999"}` }) : "# ",
      topic.name, topic.is_closed ? el("span", { class: "closed-tag" }, " · closed") : null),
    unread ? el("span", { class: "badge" }, unread) : el("span"),
    el("span", { class: "last" }, last ? preview(last.message) : "no messages")));
  }));
  if (state.shownThread !== state.threadId) {
    state.shownThread = state.threadId;
    $("#topic-list button[aria-current=true]")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  const badge = $("#staff-unread");
  badge.hidden = unreadTotal === 0 || staffVisible();
  badge.textContent = unreadTotal;
  const topic = state.topics.find((t) => t.message_thread_id === state.threadId);
  $("#thread-title").replaceChildren(
    topic ? topic.name : "General",
    el("small", {}, topic ? (topic.is_closed ? "closed topic" : `topic #${topic.message_thread_id}`) : "group chat outside topics"),
  );
  const items = groupId === undefined ? [] : chatMessages(groupId, state.threadId);
  renderMessages($("#staff-messages"), items, {
    mineId: state.staffId,
    actor: state.staffId,
    group: true,
    empty: topic ? "Nothing in this topic yet." : "Customer topics appear on the left as the bot creates them.",
  });
  renderTyping($("#staff-typing"), groupId === undefined ? null : state.chats.get(groupId), state.threadId);
  for (const control of $("#staff-composer").elements) control.disabled = !state.staffId;
}

// Both panes show side by side on wide screens; on phones only the selected tab does.
const wide = window.matchMedia("(min-width: 861px)");
const staffVisible = () => wide.matches || state.pane === "staff";

function lastActivity(topic) {
  const items = state.group ? chatMessages(state.group.id, topic.message_thread_id) : [];
  return items.length ? items[items.length - 1].message_id : topic.message_thread_id;
}

function renderTyping(box, chat, threadId) {
  const action = chat?.action;
  const fresh = action && Date.now() / 1000 - action.date < 5 &&
    (threadId === undefined || (action.thread_id ?? GENERAL) === threadId);
  box.hidden = !fresh;
  if (fresh) box.textContent = `${state.bot?.first_name ?? "Bot"} is ${ACTIONS[action.action] || "busy…"}`;
}

function renderMessages(container, items, options) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const signature = items.map((i) => `${i.message_id}:${i.seq}`).join(",") + `|${options.mineId}`;
  if (container.dataset.signature === signature) return;
  const switched = container.dataset.owner !== String(options.mineId) + String(state.threadId);
  container.dataset.signature = signature;
  container.dataset.owner = String(options.mineId) + String(state.threadId);
  if (!items.length) {
    container.replaceChildren(el("p", { class: "empty" }, options.empty));
    return;
  }
  container.replaceChildren(...items.map((item) => renderMessage(item, options)));
  if (nearBottom || switched) {
    container.scrollTop = container.scrollHeight;
    // Photos load after layout; keep the newest message in view when they do.
    for (const img of container.querySelectorAll("img")) {
      img.addEventListener("load", () => { container.scrollTop = container.scrollHeight; }, { once: true });
    }
  }
}

function renderMessage(item, options) {
  const message = item.message;
  const service = serviceText(message);
  if (service) return el("div", { class: "service" }, service);
  const from = message.from || {};
  const mine = from.id === options.mineId;
  const isNote = (message.text || "").startsWith("//");
  const bubble = el("div", { class: "bubble" });
  if (options.group && !mine) bubble.append(el("div", { class: "sender" }, from.is_bot ? `${from.first_name} (bot)` : userName(from)));
  if (message.forward_origin) bubble.append(el("div", { class: "forwarded" }, `Forwarded from ${originName(message.forward_origin)}`));
  const reply = message.reply_to_message;
  if (reply && !(reply.forum_topic_created && reply.message_id === message.message_thread_id)) {
    bubble.append(el("div", { class: "quote" }, preview(reply)));
  }
  bubble.append(...renderContent(message, options));
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.append(el("div", { class: "meta" }, `${message.edit_date ? "edited · " : ""}${time}`));
  const wrapper = el("div", { class: `msg${mine ? " mine" : ""}${isNote ? " note" : ""}` }, bubble);
  const keyboard = message.reply_markup?.inline_keyboard;
  if (keyboard) wrapper.append(renderInlineKeyboard(keyboard, item, options));
  return wrapper;
}

function renderContent(message, options) {
  const parts = [];
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    // Width and height reserve the space up front, so the chat does not jump as photos load.
    parts.push(el("img", {
      src: `/_emu/files/${encodeURIComponent(largest.file_id)}`, alt: "photo",
      width: largest.width, height: largest.height,
    }));
  }
  if (message.sticker) parts.push(el("div", { class: "sticker" }, message.sticker.emoji || "🖼"));
  if (message.document) parts.push(attachment("📄", message.document.file_name || "document", message.document.file_size, message.document.file_id));
  if (message.voice) parts.push(attachment("🎤", `Voice message, ${message.voice.duration}s`));
  if (message.video) parts.push(attachment("🎬", `Video, ${message.video.duration}s`, message.video.file_size, message.video.file_id));
  if (message.location) parts.push(attachment("📍", `${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`));
  if (message.contact) parts.push(attachment("👤", `${[message.contact.first_name, message.contact.last_name].filter(Boolean).join(" ")} · ${message.contact.phone_number}`));
  const text = message.text ?? message.caption;
  if (text) parts.push(el("div", {}, formatText(text, message.entities ?? message.caption_entities ?? [], options)));
  if (!parts.length) parts.push(el("i", {}, "unsupported message"));
  return parts;
}

function attachment(icon, label, size, fileId) {
  const name = fileId ? el("a", { href: `/_emu/files/${encodeURIComponent(fileId)}`, target: "_blank", rel: "noopener" }, label) : label;
  return el("div", { class: "attachment" }, el("span", { class: "kind" }, icon), el("span", {}, name, size ? el("small", {}, ` · ${formatSize(size)}`) : null));
}

function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

function renderInlineKeyboard(keyboard, item, options) {
  return el("div", { class: "inline-kb" }, keyboard.map((row) => el("div", { class: "row" }, row.map((button) => {
    if (button.url) return el("a", { href: button.url, target: "_blank", rel: "noopener" }, button.text);
    if (button.callback_data !== undefined) {
      return el("button", {
        type: "button",
        disabled: !options.actor,
        title: `callback_data: ${button.callback_data}`,
        onclick: () => api("POST", `/_emu/users/${options.actor}/press`, {
          chat_id: item.chat_id, message_id: item.message_id, callback_data: button.callback_data,
        }).catch(fail),
      }, button.text);
    }
    if (button.copy_text) {
      return el("button", { type: "button", onclick: () => navigator.clipboard?.writeText(button.copy_text.text) }, button.text);
    }
    return el("button", { type: "button", disabled: true, title: "not available in the sandbox" }, button.text);
  }))));
}

// Render Telegram entities (UTF-16 offsets, which JavaScript strings use natively).
function formatText(text, entities, options) {
  const fragment = document.createDocumentFragment();
  const cuts = new Set([0, text.length]);
  for (const e of entities) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i], end = points[i + 1];
    let node = document.createTextNode(text.slice(start, end));
    const active = entities.filter((e) => e.offset <= start && e.offset + e.length >= end);
    for (const e of active.reverse()) node = wrapEntity(node, e, text.slice(e.offset, e.offset + e.length), options);
    fragment.append(node);
  }
  return fragment;
}

function wrapEntity(node, entity, whole, options) {
  const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre" };
  if (tags[entity.type]) return el(tags[entity.type], {}, node);
  if (entity.type === "text_link") return el("a", { href: safeUrl(entity.url), target: "_blank", rel: "noopener" }, node);
  if (entity.type === "url") return el("a", { href: safeUrl(whole.includes("://") ? whole : `https://${whole}`), target: "_blank", rel: "noopener" }, node);
  if (entity.type === "spoiler") return el("span", { class: "spoiler", onclick: (ev) => ev.currentTarget.classList.toggle("shown") }, node);
  if (entity.type === "blockquote" || entity.type === "expandable_blockquote") return el("span", { class: "blockquote" }, node);
  if (entity.type === "bot_command" && options.actor) {
    return el("span", { class: "cmd", title: "Send this command", onclick: () => sendCommand(whole, options).catch(fail) }, node);
  }
  return node;
}

function safeUrl(url) {
  return /^(https?|tg):/i.test(url || "") ? url : "#";
}

function serviceText(message) {
  const who = message.from ? (message.from.is_bot ? message.from.first_name : userName(message.from)) : "";
  if (message.forum_topic_created) return `${who} created the topic “${message.forum_topic_created.name}”`;
  if (message.forum_topic_edited) return `${who} renamed the topic to “${message.forum_topic_edited.name ?? "…"}”`;
  if (message.forum_topic_closed) return `${who} closed the topic`;
  if (message.forum_topic_reopened) return `${who} reopened the topic`;
  return null;
}

function originName(origin) {
  if (origin.sender_user) return userName(origin.sender_user);
  return origin.sender_user_name || origin.chat?.title || "someone";
}

function preview(message) {
  return serviceText(message) || message.text || message.caption ||
    (message.photo ? "📷 Photo" : message.document ? `📄 ${message.document.file_name || "File"}` :
      message.voice ? "🎤 Voice" : message.video ? "🎬 Video" : message.sticker ? `${message.sticker.emoji || ""} Sticker` :
        message.location ? "📍 Location" : message.contact ? "👤 Contact" : "message");
}

// ---- actions -----------------------------------------------------------------------------

async function sendCustomerText(text) {
  if (!state.customerId || !text.trim()) return;
  await api("POST", `/_emu/users/${state.customerId}/text`, { text });
}

async function sendStaffText(text) {
  if (!state.staffId || !text.trim()) return;
  await api("POST", `/_emu/staff/${state.staffId}/text`, { thread_id: state.threadId || null, text });
}

async function sendCommand(command, options) {
  if (options.group) await sendStaffText(command);
  else await sendCustomerText(command);
}

async function pressReplyButton(button) {
  const id = state.customerId;
  if (button.request_contact) await api("POST", `/_emu/users/${id}/contact`, {});
  else if (button.request_location) await api("POST", `/_emu/users/${id}/location`, DEMO_LOCATION);
  else await sendCustomerText(button.text);
}

async function uploadPhoto(path, file, caption, threadId) {
  const form = new FormData();
  form.append("photo", file, file.name || "photo.jpg");
  if (caption) form.append("caption", caption);
  if (threadId) form.append("thread_id", String(threadId));
  await api("POST", path, form);
}

function showNotice(notice) {
  const inCustomer = notice.user_id === state.customerId;
  const inStaff = notice.user_id === state.staffId;
  if (!notice.text || (!inCustomer && !inStaff)) return;
  if (notice.show_alert) {
    showAlert(notice.text);
    return;
  }
  const toast = inCustomer ? $("#customer-toast") : $("#staff-toast");
  toast.textContent = notice.text;
  toast.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { toast.hidden = true; }, 2600);
}

function showAlert(text) {
  const dialog = $("#alert");
  $("p", dialog).textContent = text;
  if (!dialog.open) dialog.showModal();
}

function openForm(selector) {
  const form = $(selector);
  form.hidden = false;
  form.elements[0].focus();
}

function wireComposer(form, onText, onPhoto) {
  const textarea = $("textarea", form);
  const fileInput = $("input[type=file]", form);
  const grow = () => { textarea.style.height = "auto"; textarea.style.height = `${Math.min(textarea.scrollHeight, 128)}px`; };
  textarea.addEventListener("input", grow);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim()) return;
    textarea.value = "";
    grow();
    try { await onText(text); } catch (error) { textarea.value = text; fail(error); }
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    const caption = textarea.value.trim();
    textarea.value = "";
    grow();
    try { await onPhoto(file, caption); } catch (error) { fail(error); }
  });
}

function setPane(pane) {
  state.pane = pane;
  for (const section of document.querySelectorAll(".pane")) section.classList.toggle("active", section.id === pane);
  for (const tab of document.querySelectorAll(".tabs button")) tab.setAttribute("aria-selected", String(tab.dataset.pane === pane));
  renderStaff();
}

function wire() {
  $("#customer-select").addEventListener("change", (e) => { state.customerId = Number(e.target.value) || null; state.hideKeyboard = false; renderCustomer(); });
  $("#staff-select").addEventListener("change", (e) => { state.staffId = Number(e.target.value) || null; renderStaff(); });
  $("#new-customer").addEventListener("click", () => openForm("#customer-form"));
  $("#new-staff").addEventListener("click", () => openForm("#staff-form"));
  for (const form of document.querySelectorAll("form.create")) {
    $(".cancel", form).addEventListener("click", () => { form.hidden = true; form.reset(); });
  }
  $("#customer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target));
    try {
      const user = await api("POST", "/_emu/users", data);
      state.customerId = user.id;
      event.target.reset();
      event.target.hidden = true;
    } catch (error) { fail(error); }
  });
  $("#staff-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target));
    try {
      const user = await api("POST", "/_emu/users", { ...data, staff: true });
      state.staffId = user.id;
      event.target.reset();
      event.target.hidden = true;
    } catch (error) { fail(error); }
  });
  $("#block-toggle").addEventListener("click", () => {
    const user = state.users.find((u) => u.id === state.customerId);
    if (user) api("POST", `/_emu/users/${user.id}/${user.blocked ? "unblock" : "block"}`).catch(fail);
  });
  $("#share-contact").addEventListener("click", () => api("POST", `/_emu/users/${state.customerId}/contact`, {}).catch(fail));
  $("#share-location").addEventListener("click", () => api("POST", `/_emu/users/${state.customerId}/location`, DEMO_LOCATION).catch(fail));
  $("#keyboard-toggle").addEventListener("click", () => { state.hideKeyboard = !state.hideKeyboard; renderCustomer(); });
  wireComposer($("#customer-composer"), sendCustomerText,
    (file, caption) => uploadPhoto(`/_emu/users/${state.customerId}/photo`, file, caption));
  wireComposer($("#staff-composer"), sendStaffText,
    (file, caption) => uploadPhoto(`/_emu/staff/${state.staffId}/photo`, file, caption, state.threadId));
  for (const tab of document.querySelectorAll(".tabs button")) tab.addEventListener("click", () => setPane(tab.dataset.pane));
  $("#reset").addEventListener("click", () => {
    if (confirm("Forget all customers, staff, chats and topics in the emulator?")) api("POST", "/_emu/reset").catch(fail);
  });
  // Chat actions expire after five seconds without a new event, so re-check them now and then.
  setInterval(() => {
    renderStatus();
    renderTyping($("#customer-typing"), state.chats.get(state.customerId), undefined);
    if (state.group) renderTyping($("#staff-typing"), state.chats.get(state.group.id), state.threadId);
  }, 1000);
}

// Deep links: #staff opens the staff pane, #topic=ID also selects that topic.
function applyHash() {
  const hash = location.hash.slice(1);
  const topic = /topic=(\d+)/.exec(hash);
  if (topic) state.threadId = Number(topic[1]);
  if (hash.startsWith("staff") || topic) setPane("staff");
}

wire();
applyHash();
window.addEventListener("hashchange", applyHash);
pollForever();
