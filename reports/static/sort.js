(function(){
  function key(cell){
    var v = cell.getAttribute('data-v');
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    return v === '' ? null : parseFloat(v);
  }
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function(th, col){
      th.addEventListener('click', function(){
        var desc = !th.classList.contains('sorted-desc');
        Array.prototype.forEach.call(heads, function(h){
          h.classList.remove('sorted-asc', 'sorted-desc');
        });
        th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === y) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * (desc ? -1 : 1);
        });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
})();
