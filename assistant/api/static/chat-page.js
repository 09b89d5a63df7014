/*
 * The chat page (assistant/ui.py), inlined in its <head>. Gradio draws the chat; this script
 * only places and labels what it drew:
 *  - a new turn is shown from its start: the question at the top of the conversation and the
 *    answer's first lines under it (Gradio's autoscroll, off, would show the answer's end);
 *    it stops following as soon as the person scrolls or types in the conversation;
 *  - each answer's language (from #answer-meta, written by the server) goes into a lang
 *    attribute, its English quotes and citations keep lang="en";
 *  - the thumbs under an answer read Like, then Dislike, in the Tab order too.
 */
(function () {
  "use strict";
  var pinned = null; // the row of the newest question, kept at the top while its answer grows
  var seenQuestions = 0;

  function scroller(node) {
    for (var el = node.parentElement; el; el = el.parentElement) {
      var style = getComputedStyle(el);
      if (/(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight) return el;
      if (el.id === "chatbot") return null;
    }
    return null;
  }

  function pin() {
    if (!pinned || !pinned.isConnected) return;
    var box = scroller(pinned);
    if (box) {
      var top = pinned.getBoundingClientRect().top - box.getBoundingClientRect().top;
      box.scrollTop += top - 8;
    }
    // the question itself must be on screen (on a phone the page scrolls too)
    var rect = pinned.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight - 160) {
      window.scrollBy(0, rect.top - Math.min(120, window.innerHeight / 6));
    }
  }

  function release() { pinned = null; }

  function placeNewTurn(chat) {
    var questions = chat.querySelectorAll("[data-testid=user]");
    if (questions.length < seenQuestions) seenQuestions = 0; // the chat was cleared
    if (questions.length > seenQuestions) {
      var last = questions[questions.length - 1];
      pinned = last.closest(".message-row") || last;
    }
    seenQuestions = questions.length;
    pin();
  }

  function labelLanguages(chat) {
    var meta = document.querySelector("#answer-meta [data-langs]");
    if (!meta) return;
    var langs = meta.getAttribute("data-langs").split(" ");
    var ids = (meta.getAttribute("data-answer-ids") || "").split(" ");
    var answers = chat.querySelectorAll("[data-testid=bot]");
    for (var i = 0; i < answers.length && i < langs.length; i++) {
      var lang = langs[i] || "en";
      var answer = answers[i];
      // which answer this is (what feedback refers to), as in the widget
      if (/^[0-9a-f]{32}$/.test(ids[i] || "") && answer.getAttribute("data-answer-id") !== ids[i]) {
        answer.setAttribute("data-answer-id", ids[i]);
      }
      if (answer.getAttribute("lang") !== lang) answer.setAttribute("lang", lang);
      if (lang === "en") continue;
      // the page's own words stay English: the quotes and their citations
      answer.querySelectorAll("blockquote").forEach(function (q) {
        if (q.getAttribute("lang") !== "en") q.setAttribute("lang", "en");
        var cite = q.nextElementSibling;
        if (cite && /^\u2014 /.test(cite.textContent) && cite.getAttribute("lang") !== "en") {
          cite.setAttribute("lang", "en");
        }
      });
    }
  }

  function orderThumbs(chat) {
    chat.querySelectorAll(".message-buttons button[aria-label^=Dislike]").forEach(function (no) {
      var yes = no.parentElement.querySelector("button[aria-label^=Like]");
      if (yes && no.compareDocumentPosition(yes) & Node.DOCUMENT_POSITION_FOLLOWING) {
        no.parentElement.insertBefore(yes, no);
      }
    });
  }

  function tidy(chat) {
    placeNewTurn(chat);
    labelLanguages(chat);
    orderThumbs(chat);
  }

  function watch() {
    var chat = document.getElementById("chatbot");
    if (!chat) return false;
    var queued = false;
    new MutationObserver(function () {
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; tidy(chat); });
    }).observe(document.body, { subtree: true, childList: true, characterData: true,
                                attributes: true, attributeFilter: ["data-langs", "data-answer-ids"] });
    // the person takes over the scrolling: stop keeping the question at the top
    ["wheel", "touchmove", "keydown", "pointerdown"].forEach(function (type) {
      chat.addEventListener(type, release, { passive: true });
    });
    tidy(chat);
    return true;
  }

  function start() {
    if (watch()) return;
    var waiting = new MutationObserver(function () {
      if (document.getElementById("chatbot")) {
        waiting.disconnect();
        watch();
      }
    });
    waiting.observe(document.documentElement, { subtree: true, childList: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
