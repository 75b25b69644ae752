// Lists the widget's sherpa:* events on the demo page (README, "Events").
'use strict';
['open', 'close', 'question', 'message', 'error', 'citation-click', 'source-click', 'show-all-sources',
  'copy-answer', 'copy-code', 'feedback', 'regenerate', 'retry', 'contact', 'new-chat', 'history-switch',
  'load-error'].forEach(function (name) {
  document.addEventListener('sherpa:' + name, function (e) {
    var li = document.createElement('li');
    li.textContent = e.type + ' ' + JSON.stringify(e.detail);
    document.getElementById('events').appendChild(li);
  });
});
