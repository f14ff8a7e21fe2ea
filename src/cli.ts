console.log("aa-host");
