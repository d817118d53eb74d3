/* Starts rasa-webchat (window.WebChat, bot/web/static/vendor/) on the chat page.
 * The server puts its settings in <script id="chat-config" type="application/json">:
 *   rasaPublicUrl  where the browser reaches Rasa's socket.io channel; null means
 *                  this page's host on port 5005 (the `make run` layout).
 * Rasa's socketio channel runs with session_persistence: the widget keeps the
 * session id and the messages in localStorage, so a reload continues the same
 * conversation, and "/greet" is sent only when a conversation starts. */
(function () {
  "use strict";

  var RASA_DEFAULT_PORT = "5005";

  function readConfig() {
    var element = document.getElementById("chat-config");
    try {
      return JSON.parse(element.textContent) || {};
    } catch (error) {
      return {};
    }
  }

  function defaultSocketUrl() {
    return window.location.protocol + "//" + window.location.hostname + ":" + RASA_DEFAULT_PORT;
  }

  function showStatus(text) {
    var status = document.getElementById("chat-status");
    if (status) {
      status.textContent = text;
    }
  }

  function start() {
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      showStatus("Không tải được khung trò chuyện. Em hãy tải lại trang; nếu vẫn lỗi, báo thầy cô phụ trách.");
      return;
    }
    var config = readConfig();
    window.WebChat.default({
      socketUrl: config.rasaPublicUrl || defaultSocketUrl(),
      socketPath: "/socket.io/",
      initPayload: "/greet",
      customData: { language: "vi" },
      params: { storage: "local" },
      title: "Trợ lý hướng nghiệp lớp 9",
      subtitle: "Học nghề, lộ trình 9+, chính sách hỗ trợ",
      inputTextFieldHint: "Nhập câu hỏi của em…",
      connectingText: "Đang kết nối tới trợ lý…",
      embedded: true,
      hideWhenNotConnected: false,
      showCloseButton: false,
      showFullScreenButton: false,
      mainColor: "#0b6e4f",
      userBackgroundColor: "#0b6e4f",
      userTextColor: "#ffffff",
      customMessageDelay: function (message) {
        return Math.min(1200, Math.max(300, 10 * message.length));
      }
    }, document.getElementById("chat-widget"));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
