// The dashboard's only script: sorting the students' table (batch/dashboard.hpp). It reads
// the rows' data-id and data-percent attributes and moves rows; it never parses or inserts
// markup, so nothing a submission wrote can become code.
#include "batch/dashboard.hpp"

namespace sockgrade::batch {

const char* const kDashboardScript = R"JS(
(function () {
  'use strict';
  var table = document.getElementById('students');
  if (!table || !table.tBodies.length) return;
  var body = table.tBodies[0];
  var defaults = { score: 'desc', name: 'asc' };

  // Score: by percentage, ties by name (a to z either way); name: by id.
  function compare(key, dir) {
    var sign = dir === 'asc' ? 1 : -1;
    return function (a, b) {
      var x = a.getAttribute('data-id'), y = b.getAttribute('data-id');
      var byName = x < y ? -1 : x > y ? 1 : 0;
      if (key === 'name') return sign * byName;
      var c = parseFloat(a.getAttribute('data-percent')) - parseFloat(b.getAttribute('data-percent'));
      return c !== 0 ? sign * c : byName;
    };
  }

  function parse(hash) {
    var m = /^#sort=(score|name)(?:-(asc|desc))?$/.exec(hash || '');
    return m ? { key: m[1], dir: m[2] || defaults[m[1]] } : null;
  }

  function fragment(order) {
    return '#sort=' + order.key + (order.dir === defaults[order.key] ? '' : '-' + order.dir);
  }

  // Sorts the rows, marks the sorted column, and points each header at its next order.
  function apply(order) {
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(compare(order.key, order.dir));
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.querySelectorAll('a[data-sort]'), function (link) {
      var key = link.getAttribute('data-sort'), on = key === order.key;
      link.parentNode.setAttribute('aria-sort', on ? (order.dir === 'asc' ? 'ascending' : 'descending') : 'none');
      link.setAttribute('href', fragment({ key: key, dir: on ? (order.dir === 'asc' ? 'desc' : 'asc') : defaults[key] }));
    });
  }

  table.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[data-sort]') : null;
    var order = link && parse(link.getAttribute('href'));
    if (!order) return;
    event.preventDefault();
    apply(order);
    try {
      history.replaceState(null, '', fragment(order));  // the sorted view can be bookmarked
    } catch (e) {
      // A viewer that refuses history changes still sorts.
    }
  });
  window.addEventListener('hashchange', function () {
    var order = parse(location.hash);
    if (order) apply(order);
  });
  var initial = parse(location.hash);
  if (initial) apply(initial);
})();
)JS";

}  // namespace sockgrade::batch
