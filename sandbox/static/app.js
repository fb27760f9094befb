// The sandbox's page: two phones, the chats and the clock, redrawn whenever the server says
// the state moved (server-sent events). No framework, nothing fetched from elsewhere.
"use strict";

const TEXTS = {
  en: {
    title: "Association bot · sandbox", clock: "Clock", hour: "+1 hour", day: "+1 day",
    week: "+1 week", reset: "Reset", chats: "Chats", who: "Who are you",
    tgLanguage: "Telegram language", newcomer: "A newcomer", menu: "Menu", send: "Send",
    start: "Start", placeholder: "Message", nobody: "— choose someone —",
    members: "Members", pending: "Waiting to join", joins: "Join requests", posts: "Posts",
    requested: "asked to join", approved: "approved", declined: "declined",
    deleted: "message deleted", edited: "edited", download: "Download",
    refused: "Telegram would refuse these requests:", joined: "Join request sent",
    resetAsk: "Start the sandbox over? Everything done here is forgotten.",
    intro: "The real bot, talking to a Telegram emulator on this computer. Be anyone in the " +
      "association (or a newcomer), on two phones at once; move the clock to see reminders " +
      "and digests. Nothing leaves this computer, except what you open yourself: the " +
      "Google and Outlook calendar buttons open those sites.",
    roles: { admin: "administrator", coordinator: "coordinator", member: "member",
             applicant: "applicant", newcomer: "newcomer" },
    errors: { unknown_person: "This person is not in the sandbox (any more).",
              no_such_message: "This message is gone (was the sandbox reset?).",
              no_such_button: "This button is gone.", no_file: "There is no file here.",
              clock_range: "The clock moves forward by up to a month.",
              bad_request: "The sandbox did not understand this request.",
              json_only: "The sandbox takes JSON only.",
              network: "The sandbox does not answer. Is it still running?" },
  },
  ru: {
    title: "Бот ассоциации · песочница", clock: "Часы", hour: "+1 час", day: "+1 день",
    week: "+1 неделя", reset: "Сначала", chats: "Чаты", who: "Кто вы",
    tgLanguage: "Язык Telegram", newcomer: "Новенькая", menu: "Меню", send: "Отправить",
    start: "Начать", placeholder: "Сообщение", nobody: "— выберите, кем быть —",
    members: "Участницы", pending: "Ждут вступления", joins: "Заявки на вступление",
    posts: "Публикации", requested: "просит вступить", approved: "принята",
    declined: "отклонена", deleted: "сообщение удалено", edited: "изменено",
    download: "Скачать", refused: "Telegram отклонил бы эти запросы:",
    joined: "Заявка на вступление отправлена",
    resetAsk: "Начать песочницу заново? Всё, что здесь сделано, забудется.",
    intro: "Настоящий бот, который говорит с эмулятором Telegram на этом компьютере. Будьте " +
      "любой участницей ассоциации (или новенькой), на двух телефонах сразу; двигайте часы, " +
      "чтобы увидеть напоминания и дайджесты. Ничего не уходит с этого компьютера, кроме " +
      "того, что вы откроете сами: кнопки календарей Google и Outlook открывают их сайты.",
    roles: { admin: "администратор", coordinator: "координатор", member: "участница",
             applicant: "заявительница", newcomer: "новенькая" },
    errors: { unknown_person: "Этой участницы (уже) нет в песочнице.",
              no_such_message: "Этого сообщения больше нет (песочницу начали заново?).",
              no_such_button: "Этой кнопки больше нет.", no_file: "Здесь нет файла.",
              clock_range: "Часы двигаются вперёд не больше чем на месяц.",
              bad_request: "Песочница не поняла этот запрос.",
              json_only: "Песочница принимает только JSON.",
              network: "Песочница не отвечает. Она ещё запущена?" },
  },
};
const LANGUAGES = { ru: "Русский", en: "English", kk: "Қазақша", ky: "Кыргызча",
                    tg: "Тоҷикӣ", tk: "Türkmençe", uz: "Oʻzbekcha", de: "Deutsch" };

let lang = localStorage.getItem("sandbox-lang") ||
  ((navigator.language || "en").startsWith("ru") ? "ru" : "en");
let state = null;
const phones = [];

function tr(key) { return TEXTS[lang][key] || TEXTS.en[key] || key; }

// An error the server named by its code, in the page's language (its English text if the
// page does not know the code).
class ApiFailure extends Error {
  constructor(code, text) { super(text || code); this.code = code; }
  get said() { return TEXTS[lang].errors[this.code] || TEXTS.en.errors[this.code] || this.message; }
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  let response;
  try { response = await fetch(path, options); } catch { throw new ApiFailure("network"); }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiFailure(data.code || "bad_request", data.error);
  return data;
}

// ---- Telegram's HTML, kept to the tags Telegram itself allows ----------------------------

const ALLOWED = new Set(["B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "CODE",
                         "PRE", "BLOCKQUOTE", "A", "SPAN", "TG-SPOILER"]);

function copyAllowed(source, target) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      target.append(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (!ALLOWED.has(node.tagName)) { copyAllowed(node, target); continue; }
      const tag = node.tagName === "TG-SPOILER" ? "SPAN" : node.tagName;
      const element = document.createElement(tag);
      if (tag === "A") {
        const href = node.getAttribute("href") || "";
        if (/^(https?:|tg:)/i.test(href)) { element.href = href; element.dataset.link = href; }
      }
      if (node.tagName === "TG-SPOILER" ||
          (tag === "SPAN" && node.classList.contains("tg-spoiler"))) {
        element.className = "spoiler";
      }
      copyAllowed(node, element);
      target.append(element);
    }
  }
}

function formatted(message) {
  const box = document.createElement("div");
  box.className = "body";
  if (message.html) {
    const parsed = new DOMParser().parseFromString(`<body>${message.html}</body>`, "text/html");
    copyAllowed(parsed.body, box);
  } else {
    box.textContent = message.text;
  }
  return box;
}

// Her role, country and language, as the persona list shows them.
function where(p) {
  return [TEXTS[lang].roles[p.role] || p.role, p.country, LANGUAGES[p.locale] || p.locale]
    .filter(Boolean).join(" · ");
}

// ---- one phone -----------------------------------------------------------------------------

class Phone {
  constructor(element, index) {
    this.el = element;
    this.index = index;
    this.user = Number(localStorage.getItem(`sandbox-phone-${index}`)) || null;
    this.seen = "";
    element.append(document.getElementById("phone").content.cloneNode(true));
    this.person = element.querySelector(".person");
    this.personInfo = element.querySelector(".person-info");
    this.messages = element.querySelector(".messages");
    this.screen = element.querySelector(".screen");
    this.toastBox = element.querySelector(".toast");
    this.menuList = element.querySelector(".menu-list");
    this.input = element.querySelector("input[name=text]");
    this.person.addEventListener("change", () => this.choose(Number(this.person.value) || null));
    element.querySelector(".new").addEventListener("click", () => this.newcomer());
    element.querySelector(".compose").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send(this.input.value);
    });
    element.querySelector(".menu").addEventListener("click", () => {
      this.menuList.hidden = !this.menuList.hidden;
    });
    this.messages.addEventListener("click", (event) => this.onClick(event));
  }

  choose(userId) {
    this.user = userId;
    localStorage.setItem(`sandbox-phone-${this.index}`, userId || "");
    this.seen = "";
    this.menuList.hidden = true;
    this.showInfo();
    this.refresh();
  }

  async newcomer() {
    const language = this.el.querySelector(".tg-language").value;
    const { id } = await api("/api/newcomer", { language });
    await refresh();
    this.choose(id);
  }

  async send(text) {
    if (!this.user || !text.trim()) return;
    this.input.value = "";
    this.menuList.hidden = true;
    await this.act(() => api("/api/send", { user: this.user, text }));
  }

  async act(action) {
    this.el.dataset.busy = "1";  // until the phone shows the outcome (tests wait for it)
    try {
      const result = await action();
      if (result && result.popup) this.toast(result.popup);
      if (result && result.joined) this.toast(tr("joined"));
      if (result && result.url) window.open(result.url, "_blank", "noopener");
      return result;
    } catch (error) {
      this.toast(error instanceof ApiFailure ? error.said : String(error.message || error));
    } finally {
      await this.refresh();
      delete this.el.dataset.busy;
    }
  }

  toast(text) {
    this.toastBox.textContent = text;
    this.toastBox.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toastBox.hidden = true; }, 3500);
  }

  onClick(event) {
    const button = event.target.closest("button[data-row]");
    if (button) {
      const m = button.closest(".msg");
      this.act(() => api("/api/press", {
        user: this.user, chat: Number(m.dataset.chat), message: Number(m.dataset.id),
        row: Number(button.dataset.row), column: Number(button.dataset.column),
      }));
      return;
    }
    const link = event.target.closest("a[data-link]");
    if (link) {
      event.preventDefault();
      this.act(async () => {
        const result = await api("/api/link", { user: this.user, url: link.dataset.link });
        return result.joined ? result : { url: link.dataset.link };
      });
    }
  }

  fillPeople() {
    const chosen = this.user;
    this.person.replaceChildren(new Option(tr("nobody"), ""));
    for (const p of state.people) this.person.append(new Option(`${p.name} — ${where(p)}`, p.id));
    if (chosen && !state.people.some((p) => p.id === chosen)) this.user = null;
    this.person.value = this.user || "";
    this.showInfo();
  }

  showInfo() {  // the closed select is cut at a phone's width: who she is, in full, below it
    const me = state && state.people.find((p) => p.id === this.user);
    this.personInfo.textContent = me ? where(me) : "";
    this.personInfo.hidden = !me;
  }

  async refresh() {
    this.input.placeholder = tr("placeholder");
    this.input.disabled = !this.user;
    if (!this.user) { this.messages.replaceChildren(); return; }
    let data;
    try { data = await api(`/api/phone/${this.user}`); } catch { this.choose(null); return; }
    const key = JSON.stringify(data);
    if (key === this.seen) return;
    this.seen = key;
    const { scrollHeight, scrollTop, clientHeight } = this.screen;
    const atBottom = scrollHeight - scrollTop - clientHeight < 60;
    this.messages.replaceChildren(...data.messages.map((m) => renderMessage(m)));
    if (!data.messages.length) {
      const start = document.createElement("button");
      start.type = "button";
      start.textContent = tr("start");
      start.className = "start";
      start.addEventListener("click", () => this.send("/start"));
      this.messages.append(start);
    }
    this.menuList.replaceChildren(...data.menu.map(({ command, description }) => {
      const item = document.createElement("button");
      item.type = "button";
      item.append(`/${command} `);
      const small = document.createElement("small");
      small.textContent = description;
      item.append(small);
      item.addEventListener("click", () => this.send(`/${command}`));
      return item;
    }));
    if (atBottom || this.justChosen !== this.user) {
      this.screen.scrollTop = this.screen.scrollHeight;
      this.justChosen = this.user;
    }
  }
}

function renderMessage(m) {
  const box = document.createElement("div");
  box.className = `msg ${m.bot ? "bot" : "mine"}`;
  box.dataset.id = m.id;
  box.dataset.chat = m.chat;
  if (m.deleted) {
    box.classList.add("deleted");
    box.textContent = tr("deleted");
    return box;
  }
  box.append(formatted(m));
  if (m.file) {
    const file = document.createElement("a");
    file.className = "file";
    file.href = `/api/file/${m.chat}/${m.id}`;
    file.download = m.file;
    file.textContent = `⬇ ${m.file}`;
    box.append(file);
  }
  if (m.keyboard) {
    const kb = document.createElement("div");
    kb.className = "kb";
    m.keyboard.forEach((row, r) => {
      const line = document.createElement("div");
      line.className = "row";
      row.forEach((b, c) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.text;
        button.dataset.row = r;
        button.dataset.column = c;
        if (b.url) {  // opens a link: marked as such, the mark not part of its name
          const mark = document.createElement("span");
          mark.setAttribute("aria-hidden", "true");
          mark.textContent = " ↗";
          button.append(mark);
        }
        line.append(button);
      });
      kb.append(line);
    });
    box.append(kb);
  }
  if (m.edited) {
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = tr("edited");
    box.append(meta);
  }
  return box;
}

// ---- the rest of the page ----------------------------------------------------------------

function renderChats() {
  const list = document.getElementById("chats");
  list.replaceChildren(...state.chats.map((chat) => {
    const box = document.createElement("div");
    box.className = "chat";
    box.dataset.chat = chat.id;
    const title = document.createElement("h3");
    title.textContent = chat.title;
    box.append(title);
    const line = (label, items) => {
      const p = document.createElement("p");
      p.className = "line";
      p.textContent = `${label} (${items.length}): ${items.join(", ")}`;
      return p;
    };
    box.append(line(tr("members"), chat.members));
    if (chat.pending.length) box.append(line(tr("pending"), chat.pending));
    if (chat.joins.length) {
      const joins = document.createElement("p");
      joins.className = "line joins";
      joins.append(`${tr("joins")}: `);
      chat.joins.forEach((j, i) => {
        const span = document.createElement("span");
        span.className = j.outcome;
        span.textContent = `${i ? ", " : ""}${j.name} — ${tr(j.outcome)}`;
        joins.append(span);
      });
      box.append(joins);
    }
    if (chat.posts.length) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = `${tr("posts")} (${chat.posts.length})`;
      details.append(summary, ...chat.posts.map((m) => renderMessage(m)));
      box.append(details);
    }
    return box;
  }));
}

function renderChrome() {
  document.documentElement.lang = lang;
  document.title = tr("title");
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = tr(el.dataset.t); });
  document.getElementById("lang").value = lang;
}

function renderState() {
  const clock = new Date(state.clock);
  document.getElementById("clock").textContent = new Intl.DateTimeFormat(lang, {
    weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit",
    minute: "2-digit", timeZone: "UTC", timeZoneName: "short",
  }).format(clock);
  const refused = document.getElementById("refused");
  const problems = [...state.violations,
                    ...state.refused.map((r) => `${r.method}: ${r.description}`)];
  refused.hidden = !problems.length;
  refused.textContent = problems.length ? `${tr("refused")}\n${problems.join("\n")}` : "";
  renderChats();
  phones.forEach((p) => p.fillPeople());
}

let refreshing = null;
let again = false;
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      state = await api(`/api/state?lang=${lang}`);
      renderState();
      await Promise.all(phones.map((p) => p.refresh()));
    } while (again);
  })();
  try { await refreshing; } finally { refreshing = null; }
}

function init() {
  document.querySelectorAll(".phone").forEach((el, i) => phones.push(new Phone(el, i + 1)));
  document.getElementById("lang").addEventListener("change", (event) => {
    lang = event.target.value;
    localStorage.setItem("sandbox-lang", lang);
    renderChrome();
    refresh();
  });
  document.querySelectorAll("[data-jump]").forEach((button) => {
    button.addEventListener("click", async () => {
      document.querySelectorAll("[data-jump]").forEach((b) => { b.disabled = true; });
      try { await api("/api/clock", { by: button.dataset.jump }); } finally {
        document.querySelectorAll("[data-jump]").forEach((b) => { b.disabled = false; });
        await refresh();
      }
    });
  });
  document.getElementById("reset").addEventListener("click", async () => {
    if (!confirm(tr("resetAsk"))) return;
    await api("/api/reset", {});
    phones.forEach((p) => p.choose(null));
    await refresh();
  });
  renderChrome();
  refresh();
  const events = new EventSource("/api/events");
  events.onmessage = () => refresh();
}

init();
