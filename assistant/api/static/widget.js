/*
 * Stage 4 breast cancer treatment assistant: embeddable chat widget.
 *
 *   <script src="https://assistant.example.org/widget.js"
 *           data-title="Questions about stage 4 breast cancer treatments"
 *           defer></script>
 *
 * Data attributes (all optional):
 *   data-endpoint  base URL of the assistant (default: where this script was loaded from)
 *   data-title     heading of the chat panel
 *   data-api-key   bearer key, when the operator requires one (visible to anyone who views
 *                  the page: use a key meant for the widget, with its own rate limit)
 *   data-position  "right" (default) or "left"
 *   data-open      "true" to start with the panel open
 *
 * Self-contained: no CDN, no external fonts, styles inside a Shadow DOM. Everything that
 * comes from the server is inserted with textContent, never as HTML.
 *
 * Under each answer: "Helpful" / "Not helpful" buttons and an optional comment, sent to
 * POST /api/v1/feedback with the answer's id (each reply carries it as data-answer-id).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || script.getAttribute("data-s4a-loaded")) return;
  script.setAttribute("data-s4a-loaded", "true");

  var scriptOrigin = new URL(script.src, window.location.href).origin;
  var config = {
    endpoint: (script.getAttribute("data-endpoint") || scriptOrigin).replace(/\/+$/, ""),
    title: script.getAttribute("data-title") || "Questions about stage 4 breast cancer treatments",
    apiKey: script.getAttribute("data-api-key") || "",
    position: script.getAttribute("data-position") === "left" ? "left" : "right",
    open: script.getAttribute("data-open") === "true",
  };
  var MAX_HISTORY = 10;

  var CSS = [
    ":host{all:initial;position:fixed;bottom:16px;z-index:2147483000;",
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f1f24}",
    ":host([data-position=right]){right:16px}:host([data-position=left]){left:16px}",
    "*{box-sizing:border-box}",
    ".launcher{display:flex;align-items:center;gap:8px;margin-left:auto;border:0;",
    "border-radius:999px;padding:12px 18px;background:var(--s4a-accent,#6b2d8b);color:#fff;",
    "font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:hover{filter:brightness(1.1)}",
    ":host([data-position=left]) .launcher{margin-left:0}",
    "button:focus-visible,textarea:focus-visible,a:focus-visible,.log:focus-visible{",
    "outline:3px solid #f2b705;outline-offset:2px}",
    ".panel{width:min(400px,calc(100vw - 32px));height:min(600px,calc(100vh - 96px));",
    "display:flex;flex-direction:column;background:#fff;border-radius:12px;margin-bottom:12px;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}",
    ".panel[hidden]{display:none}",
    ".head{display:flex;align-items:center;gap:8px;padding:12px 14px;",
    "background:var(--s4a-accent,#6b2d8b);color:#fff}",
    "h2{flex:1;margin:0;font-size:1rem;font-weight:600}",
    ".close{border:0;background:transparent;color:#fff;font:inherit;font-size:1.4rem;",
    "line-height:1;cursor:pointer;padding:2px 8px;border-radius:6px}",
    ".notice{margin:0;padding:8px 14px;font-size:.82rem;background:#f6f0fa;color:#3b3b45}",
    ".log{position:relative;flex:1;overflow-y:auto;padding:12px 14px;display:flex;",
    "flex-direction:column;gap:10px}",
    ".msg{max-width:92%;padding:8px 12px;border-radius:10px;word-wrap:break-word}",
    ".msg p{margin:.35em 0}.msg ul{margin:.35em 0;padding-left:1.3em}",
    ".user{align-self:flex-end;background:#e9e1f0;white-space:pre-wrap}",
    ".bot{align-self:flex-start;background:#f4f4f6;border:1px solid #e2e2e8}",
    ".bot[data-kind=emergency]{border:2px solid #b00020;background:#fff3f3}",
    ".urgent{display:flex;gap:10px;align-items:flex-start;padding:10px 14px;background:#8b0000;",
    "color:#fff;border-bottom:3px solid #4a0000}.urgent[hidden]{display:none}",
    ".urgent p{flex:1;margin:0;font-weight:600}",
    ".dismiss{flex:none;min-width:44px;min-height:44px;border:2px solid #fff;border-radius:8px;",
    "background:transparent;color:#fff;font:inherit;font-size:.9rem;cursor:pointer}",
    ".error{align-self:stretch;background:#fff3f3;color:#8a0018;border:1px solid #f0b8c0}",
    "figure{margin:.5em 0}blockquote{margin:0;padding:4px 10px;border-left:4px solid ",
    "var(--s4a-accent,#6b2d8b);background:#fff}",
    "figcaption{font-size:.85rem;margin-top:4px;color:#45454f}",
    "a{color:#4a1c63}",
    "form{display:flex;gap:8px;padding:10px 14px;border-top:1px solid #e2e2e8}",
    "label.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    "textarea{flex:1;resize:none;font:inherit;padding:8px;border:1px solid #8d8d99;",
    "border-radius:8px;min-height:2.6em;max-height:8em}",
    ".send{border:0;border-radius:8px;padding:0 16px;background:var(--s4a-accent,#6b2d8b);",
    "color:#fff;font:inherit;font-weight:600;cursor:pointer}",
    ".send:disabled{opacity:.6;cursor:progress}",
    ".busy{align-self:flex-start;font-style:italic;color:#55555f}",
    ".rate{align-self:flex-start;display:flex;flex-wrap:wrap;align-items:center;gap:6px;",
    "margin-top:-4px;font-size:.9rem}",
    ".thumb{display:inline-flex;align-items:center;gap:6px;min-width:44px;min-height:44px;",
    "padding:0 12px;border:1px solid #8d8d99;",
    "border-radius:8px;background:#fff;color:#1f1f24;font:inherit;cursor:pointer}",
    ".thumb[aria-pressed=true]{background:var(--s4a-accent,#6b2d8b);color:#fff;",
    "border-color:var(--s4a-accent,#6b2d8b)}",
    ".rate-status{flex-basis:100%;color:#3b3b45}.rate-status:empty{display:none}",
    ".comment{flex-basis:100%;display:flex;flex-wrap:wrap;gap:6px;align-items:flex-end}",
    ".comment label{flex-basis:100%;color:#3b3b45}",
    ".comment textarea{min-height:44px}",
    ".comment button{min-width:44px;min-height:44px;border:1px solid #8d8d99;",
    "border-radius:8px;background:#fff;color:#1f1f24;font:inherit;padding:0 12px;cursor:pointer}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}",
  ].join("");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(url, text) {
    var a = el("a", null, text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // Inline Markdown subset: **bold**, *emphasis*, bare http(s) links. Text nodes only.
  var INLINE = /(\*\*[^*\n]+\*\*|\*[^*\n]+\*|https?:\/\/[^\s)<>"]+)/g;

  function appendInline(parent, text) {
    var last = 0;
    text.replace(INLINE, function (match, _group, offset) {
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      if (match.slice(0, 2) === "**") parent.appendChild(el("strong", null, match.slice(2, -2)));
      else if (match.charAt(0) === "*") parent.appendChild(el("em", null, match.slice(1, -1)));
      else {
        var url = safeUrl(match);
        parent.appendChild(url ? link(url, match) : document.createTextNode(match));
      }
      last = offset + match.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendLines(parent, lines) {
    var list = null;
    var para = null;
    lines.forEach(function (line) {
      var item = /^\s*[-*]\s+(.*)$/.exec(line);
      if (item) {
        para = null;
        if (!list) list = parent.appendChild(el("ul"));
        appendInline(list.appendChild(el("li")), item[1]);
      } else if (!line.trim()) {
        list = para = null;
      } else {
        list = null;
        if (para) para.appendChild(el("br"));
        else para = parent.appendChild(el("p"));
        appendInline(para, line);
      }
    });
  }

  // The Answer's text: paragraphs, "> " quotes, "— *citation*" lines, "- " lists.
  function renderAnswer(answer) {
    var box = el("div", "msg bot");
    box.setAttribute("data-kind", String(answer.kind || "answer"));
    // the framing is in the person's language; the page's quotes and citations stay English
    var lang = /^[a-z]{2,3}$/.test(String(answer.language)) ? String(answer.language) : "en";
    box.lang = lang;
    var quotes = Array.isArray(answer.quotes) ? answer.quotes : [];
    var quoteIndex = 0;
    var figure = null;
    String(answer.text || "").split(/\n{2,}/).forEach(function (block) {
      var lines = block.split("\n");
      if (lines.every(function (l) { return l.charAt(0) === ">"; })) {
        figure = box.appendChild(el("figure"));
        figure.lang = "en";
        var quote = figure.appendChild(el("blockquote"));
        var source = quotes[quoteIndex++];
        var url = source && safeUrl(source.url);
        if (url) quote.cite = url;
        appendLines(quote, lines.map(function (l) { return l.replace(/^> ?/, ""); }));
        return;
      }
      var citation = /^— \*?(.+?)\*?$/.exec(block);
      if (citation && figure) {
        var caption = figure.appendChild(el("figcaption"));
        caption.appendChild(document.createTextNode("— "));
        var cite = caption.appendChild(el("cite", null, citation[1]));
        var cited = quotes[quoteIndex - 1];
        var citeUrl = cited && safeUrl(cited.url);
        if (citeUrl) {
          cite.textContent = "";
          cite.appendChild(link(citeUrl, citation[1]));
        }
        figure = null;
        return;
      }
      figure = null;
      appendLines(box, lines);
    });
    return box;
  }

  function build(host) {
    var root = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(el("style", null, CSS));
    }
    var ids = "s4a-" + Math.random().toString(36).slice(2, 8);

    var panel = el("section", "panel");
    panel.id = ids + "-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", ids + "-title");

    // a plain div, not <header>: in the portal's page it would be a second banner landmark
    var header = panel.appendChild(el("div", "head"));
    header.appendChild(el("h2", null, config.title)).id = ids + "-title";
    var close = header.appendChild(el("button", "close", "×"));
    close.type = "button";
    close.setAttribute("aria-label", "Close the chat");

    panel.appendChild(el("p", "notice", "Answers quote the Canadian Cancer Society page " +
      "“Treatments for stage 4 breast cancer”. This is information, not medical advice: " +
      "talk to your healthcare team. In an emergency, call 911."));

    // an urgent-care message stays here, above the conversation, until it is dismissed
    var urgent = panel.appendChild(el("div", "urgent"));
    urgent.hidden = true;
    urgent.setAttribute("role", "alert");
    var urgentText = urgent.appendChild(el("p"));
    var dismiss = urgent.appendChild(el("button", "dismiss", "Dismiss"));
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", "Dismiss the urgent message");
    dismiss.addEventListener("click", function () {
      urgent.hidden = true;
      input.focus();
    });

    var log = panel.appendChild(el("div", "log"));
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "Conversation");
    log.tabIndex = 0;

    var form = panel.appendChild(el("form"));
    var label = form.appendChild(el("label", "sr", "Your question"));
    label.htmlFor = ids + "-q";
    var input = form.appendChild(el("textarea"));
    input.id = ids + "-q";
    input.rows = 2;
    input.placeholder = "Type your question, then press Enter";
    input.setAttribute("enterkeyhint", "send");
    var send = form.appendChild(el("button", "send", "Ask"));
    send.type = "submit";

    var launcher = el("button", "launcher", "Ask a question");
    launcher.type = "button";
    launcher.setAttribute("aria-controls", panel.id);
    launcher.setAttribute("aria-expanded", "false");
    // its visible words are its name (an aria-label differing from them fails WCAG 2.5.3)

    root.appendChild(panel);
    root.appendChild(launcher);

    var history = [];
    var busy = false;

    function setOpen(open, moveFocus) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      launcher.textContent = open ? "Close chat" : "Ask a question";
      if (moveFocus === false) return;
      if (open) input.focus();
      else launcher.focus();
    }

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    // show a reply from its start (the question above it), not its last line
    function scrollToTurn(bubble) {
      log.scrollTop = Math.max(0, bubble.offsetTop - 8);
    }

    function errorMessage(status, body, response) {
      var detail = body && body.error && body.error.message;
      if (status === 429) {
        var wait = response.headers.get("Retry-After");
        return "Too many questions at once. Please wait " + (wait || "a minute") +
          " seconds and try again.";
      }
      return detail ? String(detail) : "The assistant could not answer (error " + status + ").";
    }

    // POST JSON to the assistant; the reply's body, or an Error with a message for people
    function postJson(path, body) {
      var headers = { "Content-Type": "application/json" };
      if (config.apiKey) headers.Authorization = "Bearer " + config.apiKey;
      return fetch(config.endpoint + path, {
        method: "POST",
        headers: headers,
        body: JSON.stringify(body),
        credentials: "omit",
        mode: "cors",
      }).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (reply) {
          if (!response.ok) throw new Error(errorMessage(response.status, reply, response));
          return reply;
        });
      });
    }

    // a thumb drawn here (no icon font, no image to fetch); decorative: the words name it
    function thumbIcon(down) {
      var ns = "http://www.w3.org/2000/svg";
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("width", "18");
      svg.setAttribute("height", "18");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      var shape = svg.appendChild(document.createElementNS(ns, "path"));
      shape.setAttribute("d", "M2 10h4v11H2zM8 10l4-7c1.5 0 2.5 1 2 3l-1 3h7c1.2 0 2 1 1.8 " +
        "2.2l-1.5 7.8c-.2 1.2-1.1 2-2.3 2H8z");
      shape.setAttribute("fill", "currentColor");
      if (down) shape.setAttribute("transform", "rotate(180 12 12)");
      return svg;
    }

    // "Helpful" / "Not helpful" under an answer, then an optional comment
    function ratingBar(answerId) {
      var bar = el("div", "rate");
      bar.lang = "en";
      bar.setAttribute("role", "group");
      bar.setAttribute("aria-label", "Rate this answer");
      bar.setAttribute("data-answer-id", answerId);
      var rating = null;
      var thumbs = [["up", "Helpful"], ["down", "Not helpful"]].map(function (spec) {
        var button = bar.appendChild(el("button", "thumb"));
        button.type = "button";
        button.setAttribute("aria-pressed", "false");
        button.setAttribute("data-rating", spec[0]);
        button.appendChild(thumbIcon(spec[0] === "down"));
        button.appendChild(document.createTextNode(spec[1]));
        return button;
      });
      var status = bar.appendChild(el("p", "rate-status"));
      status.setAttribute("role", "status");
      var comment = null; // the comment box, made when a thumb is first pressed

      function send(body, done) {
        postJson("/api/v1/feedback", body).then(function () {
          status.textContent = done;
        }).catch(function (error) {
          status.textContent = error && error.message && !/fetch|network/i.test(error.message)
            ? error.message : "Your rating could not be sent. Please try again later.";
        });
      }

      function commentBox() {
        var box = bar.appendChild(el("div", "comment"));
        var commentId = ids + "-c-" + answerId;
        var label = box.appendChild(el("label", null, "Add a comment (optional)"));
        label.htmlFor = commentId;
        var text = box.appendChild(el("textarea"));
        text.id = commentId;
        text.rows = 2;
        text.maxLength = 2000;
        var sendComment = box.appendChild(el("button", null, "Send comment"));
        sendComment.type = "button";
        sendComment.addEventListener("click", function () {
          var words = text.value.trim();
          if (!words || !rating) return;
          send({ answer_id: answerId, rating: rating, comment: words },
            "Thank you, your comment was saved.");
          text.value = "";
        });
        return text;
      }

      thumbs.forEach(function (button) {
        button.addEventListener("click", function () {
          rating = button.getAttribute("data-rating");
          thumbs.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
          if (!comment) comment = commentBox();
          send({ answer_id: answerId, rating: rating },
            "Thank you, your rating was saved. We do not store who you are.");
        });
      });
      return bar;
    }

    function ask(question) {
      busy = true;
      send.disabled = true;
      log.setAttribute("aria-busy", "true");
      var asked = log.appendChild(el("div", "msg user", question));
      var waiting = log.appendChild(el("div", "busy", "Looking this up on the page…"));
      scrollDown();
      var body = { question: question, history: history.slice(-MAX_HISTORY) };
      postJson("/api/v1/ask", body).then(function (answer) {
        if (answer.kind === "emergency") {
          urgentText.textContent = String(answer.text || "").split(/\n{2,}/)[0]
            .replace(/\*\*/g, "");
          urgent.hidden = false;
        }
        var reply = log.appendChild(renderAnswer(answer));
        if (/^[0-9a-f]{32}$/.test(String(answer.id))) {
          reply.setAttribute("data-answer-id", String(answer.id));
          log.appendChild(ratingBar(String(answer.id)));
        }
        history.push({ role: "user", content: question });
        history.push({ role: "assistant", content: String(answer.text || "") });
      }).catch(function (error) {
        var message = error && error.message && !/fetch|network/i.test(error.message)
          ? error.message : "The assistant cannot be reached right now. Please try again later.";
        var box = log.appendChild(el("div", "msg error", message));
        box.setAttribute("role", "alert");
      }).then(function () {
        waiting.remove();
        busy = false;
        send.disabled = false;
        log.removeAttribute("aria-busy");
        scrollToTurn(asked);
        input.focus();
      });
    }

    launcher.addEventListener("click", function () { setOpen(panel.hidden); });
    close.addEventListener("click", function () { setOpen(false); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        setOpen(false);
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = input.value.trim();
      if (!question || busy) return;
      input.value = "";
      ask(question);
    });
    if (config.open) setOpen(true, false);
  }

  function mount() {
    var host = document.createElement("div");
    host.setAttribute("data-position", config.position);
    host.setAttribute("data-stage4-assistant", "");
    document.body.appendChild(host);
    build(host);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
