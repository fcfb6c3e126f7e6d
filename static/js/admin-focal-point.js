// The picture library's focal point: a click on the picture sets it (fractions across and
// down), shown by a mark; saving the form keeps it and every crop is made again around it.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector(".focal-point");
  const x = document.getElementById("id_focal_x");
  const y = document.getElementById("id_focal_y");
  if (!box || !x || !y) return;
  const mark = box.querySelector(".focal-point-mark");
  const show = () => {
    mark.style.left = `${Number(x.value) * 100}%`;
    mark.style.top = `${Number(y.value) * 100}%`;
  };
  box.querySelector("img").addEventListener("click", (event) => {
    const area = event.target.getBoundingClientRect();
    x.value = ((event.clientX - area.left) / area.width).toFixed(3);
    y.value = ((event.clientY - area.top) / area.height).toFixed(3);
    show();
  });
  show();
});
